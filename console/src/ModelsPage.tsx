// The merged catalog: every model the connections offer, where each is offered, a switch to
// hide or show it, a refresh of the model lists (all, or one connection) with each outcome, and
// (admins) the form that sets a model's price.
import { useEffect, useState } from "preact/hooks";
import { Switch } from "./controls";
import { request } from "./api";
import { graphql, readFragment, type ResultOf } from "./graphql";
import { PriceForm } from "./Spend";

const MODEL = graphql(`
  fragment ModelRow on Model {
    id modelId enabled
    offerings { upstreamId source connection { id name } }
  }
`);

const MODELS = graphql(
  `
  query ConsoleModels($search: String, $after: String) {
    models(filter: { search: $search, enabled: null }, first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...ModelRow }
    }
  }
`,
  [MODEL],
);

const SET_ENABLED = graphql(
  `
  mutation ConsoleSetModelEnabled($id: ID!, $enabled: Boolean!) {
    setModelEnabled(id: $id, enabled: $enabled) { model { ...ModelRow } userErrors { message } }
  }
`,
  [MODEL],
);

const REFRESH = graphql(`
  mutation ConsoleRefreshModels($connectionId: ID) {
    refreshModels(connectionId: $connectionId) {
      results { ok status message modelCount connection { name } }
      userErrors { message }
    }
  }
`);

type Row = ResultOf<typeof MODEL>;

/** The connections offering the listed models, once each, by name. */
function offeredBy(rows: Row[]): { id: string; name: string }[] {
  const found = new Map(rows.flatMap((r) => r.offerings.map((o) => [o.connection.id, o.connection] as const)));
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
type Outcome = ResultOf<typeof REFRESH>["refreshModels"]["results"][number];

export function Models(props: { admin: boolean }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [outcomes, setOutcomes] = useState<Outcome[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [priced, setPriced] = useState("");

  async function load(after: string | null) {
    const { models } = await request(MODELS, { search: search.trim() || null, after });
    const fresh = models.nodes.map((node) => readFragment(MODEL, node));
    setRows((current) => (after ? [...current, ...fresh] : fresh));
    setTotal(models.totalCount);
    setNext(models.pageInfo.hasNextPage ? (models.pageInfo.endCursor ?? null) : null);
  }

  useEffect(() => {
    const timer = setTimeout(() => load(null).catch((e) => setError(String(e))), search ? 250 : 0);
    return () => clearTimeout(timer);
  }, [search]);

  async function flip(row: Row) {
    const { setModelEnabled: done } = await request(SET_ENABLED, { id: row.id, enabled: !row.enabled });
    setError(done.userErrors.map((e) => e.message).join("; "));
    const model = done.model ? readFragment(MODEL, done.model) : null;
    if (model) setRows((current) => current.map((r) => (r.id === model.id ? model : r)));
  }

  async function refresh(connectionId: string | null) {
    setBusy(true);
    try {
      const { refreshModels: done } = await request(REFRESH, { connectionId });
      setOutcomes(done.results);
      setError(done.userErrors.map((e) => e.message).join("; "));
      await load(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="models-heading">
      <h1 id="models-heading">Models</h1>
      <div class="toolbar">
        <label for="model-search">Search models</label>
        <input id="model-search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        <span class="count">{total} model(s)</span>
        {props.admin && (
          <>
            <button type="button" disabled={busy} onClick={() => refresh(null)}>
              {busy ? "Refreshing…" : "Refresh model lists"}
            </button>
            <label for="refresh-one">One connection</label>
            <select id="refresh-one" value="" disabled={busy} onChange={(e) => e.currentTarget.value && refresh(e.currentTarget.value)}>
              <option value="">refresh…</option>
              {offeredBy(rows).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </>
        )}
      </div>
      {error && <p role="alert">{error}</p>}
      {props.admin && (
        <details>
          <summary>Prices</summary>
          <p>
            Calls are priced with the shipped list of each provider's prices unless you set one here; a model with no
            price is counted as unpriced, never as $0.
          </p>
          <PriceForm onSaved={setPriced} />
          {priced && <p role="status">{priced}</p>}
        </details>
      )}
      {outcomes && (
        <ul role="status" aria-label="Refresh outcomes" class="outcomes">
          {outcomes.map((o) => (
            <li key={o.connection?.name}>
              {o.connection?.name}: {o.ok ? `${o.modelCount ?? 0} model(s)` : `${o.status.toLowerCase()} (${o.message ?? ""})`}
            </li>
          ))}
        </ul>
      )}
      <table>
        <caption>Models ({total})</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Offered by</th>
            <th scope="col">Enabled</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{row.modelId}</th>
              <td>{row.offerings.map((o) => `${o.connection.name} (${o.upstreamId})`).join(", ")}</td>
              <td>
                <Switch on={row.enabled} label={`Enabled: ${row.modelId}`} disabled={!props.admin} onFlip={() => flip(row)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={() => load(next)}>
          Load more models
        </button>
      )}
    </section>
  );
}
