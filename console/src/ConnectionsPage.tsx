import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AddConnection } from "./AddConnection";
import { Switch } from "./controls";
import { DeleteConnection } from "./DeleteConnection";
import { EditConnection } from "./EditConnection";
import { RequestFailed, request } from "./api";
import { onChange } from "./live";
import { CONNECTIONS_CHANGED, PAGE, PAYLOAD, REVEAL, ROW, SET_DEFAULT, SET_ENABLED, VERIFY, type Page } from "./connections";
import { readFragment, type FragmentOf, type ResultOf } from "./graphql";

const PAGE_SIZE = 50;
type Row = FragmentOf<typeof ROW>;
type Fields = ResultOf<typeof ROW>;

export function Connections(props: { viewer: { name: string; role: string } }) {
  const admin = props.viewer.role === "ADMIN";
  const mine = (row: Fields) => row.owner?.name === props.viewer.name;
  const [rows, setRows] = useState<Fields[]>([]);
  const [page, setPage] = useState<Page["connections"] | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [revealable, setRevealable] = useState(false);
  const [personalAllowed, setPersonalAllowed] = useState(false);
  const [search, setSearch] = useState("");
  const [error, setError] = useState("");
  const [rowMessages, setRowMessages] = useState<Record<string, string>>({});

  async function load(after: string | null, replace: boolean) {
    try {
      const data = await request(PAGE, { first: PAGE_SIZE, after, search: search.trim() || null });
      const fresh = data.connections.nodes.map((node: Row) => readFragment(ROW, node));
      setPage(data.connections);
      setNames(Object.fromEntries(data.providers.map((p) => [p.provider, p.displayName])));
      setRevealable(data.settings.allowSecretReveal);
      setPersonalAllowed(data.settings.allowDirectConnections);
      setRows((current) => (replace ? fresh : [...current, ...fresh]));
      setError("");
    } catch (failure) {
      if (!(failure instanceof RequestFailed && failure.status === 401)) setError(String(failure));
    }
  }

  const [changes, setChanges] = useState(0); // another admin's edit, seen live
  useEffect(() => onChange(CONNECTIONS_CHANGED, () => setChanges((n) => n + 1)), []);

  useEffect(() => {
    const timer = setTimeout(() => load(null, true), search ? 250 : 0);
    return () => clearTimeout(timer);
  }, [search, changes]);

  async function act(row: Fields, run: () => Promise<FragmentOf<typeof PAYLOAD>>) {
    try {
      const payload = readFragment(PAYLOAD, await run());
      const problems = payload.userErrors.map((e) => e.message).join("; ");
      const tested = payload.verification; // a success shows in the row's status already
      const said = problems || (tested && !tested.ok ? verificationText(tested) : "");
      setRowMessages((current) => ({ ...current, [row.id]: said }));
      const updated = payload.connection ? readFragment(ROW, payload.connection) : null;
      if (updated) {
        setRows((current) =>
          current.map((r) =>
            r.id === updated.id ? updated : updated.isDefault ? { ...r, isDefault: false } : r,
          ),
        );
      }
    } catch (failure) {
      setRowMessages((current) => ({ ...current, [row.id]: String(failure) }));
    }
  }

  // A member's own connections come first, under "My connections"; the shared ones are theirs
  // to read, grouped by provider as an admin sees everything.
  const groups = new Map<string, Fields[]>();
  const providerName = (provider: string) => names[provider] ?? provider;
  for (const row of rows) {
    const group = !admin && mine(row) ? "My connections" : providerName(row.provider);
    groups.set(group, [...(groups.get(group) ?? []), row]);
  }

  return (
    <section aria-labelledby="connections-heading">
      <h1 id="connections-heading">Connections</h1>
      <div class="toolbar">
        <label for="search">Search connections</label>
        <input id="search" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        {page && <span class="count">{page.totalCount} connection(s)</span>}
        {(admin || personalAllowed) && (
          <AddConnection personalOnly={!admin} onSaved={() => load(null, true)} />
        )}
      </div>
      {error && <p role="alert">{error}</p>}
      {[...groups].map(([group, members]) => (
        <section key={group} aria-label={group === "My connections" ? group : `${group} connections`}>
          <h2>{group}</h2>
          <ul class="rows">
            {members.map((row) => (
              <ConnectionItem
                key={row.id}
                row={row}
                message={rowMessages[row.id] ?? ""}
                manage={admin || mine(row)}
                admin={admin}
                onEnable={(enabled) =>
                  act(row, async () =>
                    (await request(SET_ENABLED, { id: row.id, enabled })).setConnectionEnabled,
                  )
                }
                onDefault={() =>
                  act(row, async () => (await request(SET_DEFAULT, { id: row.id })).setDefaultConnection)
                }
                onTest={() => act(row, async () => (await request(VERIFY, { id: row.id })).verifyConnection)}
                reveal={admin && revealable && !row.owner && <RevealKey id={row.id} name={row.name} />}
                edit={
                  (admin || mine(row)) && (
                    <EditConnection
                      row={row}
                      onChanged={(changed) => setRows((current) => current.map((r) => (r.id === changed.id ? changed : r)))}
                    />
                  )
                }
                remove={
                  (admin || mine(row)) && (
                    <DeleteConnection
                      id={row.id}
                      name={row.name}
                      others={rows.filter((r) => r.id !== row.id)}
                      onDeleted={() => load(null, true)}
                    />
                  )
                }
              />
            ))}
          </ul>
        </section>
      ))}
      {page?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => load(page.pageInfo.endCursor ?? null, false)}>
          Load more connections
        </button>
      )}
    </section>
  );
}

function ConnectionItem(props: {
  row: Fields;
  message: string;
  manage: boolean; // may change it: an admin, or the member it belongs to
  admin: boolean; // the default is the organisation's: admins set it
  onEnable: (enabled: boolean) => void;
  onDefault: () => void;
  onTest: () => void;
  reveal: ComponentChildren;
  edit: ComponentChildren;
  remove: ComponentChildren;
}) {
  const { row } = props;
  const [testing, setTesting] = useState(false);
  return (
    <li class="row" aria-label={row.name}>
      <div class="identity">
        <strong>{row.name}</strong>
        {row.isDefault && <span class="badge">default</span>}
        {row.owner && <span class="badge">personal ({row.owner.name})</span>}
        <span class="muted">{row.baseUrl}</span>
      </div>
      <dl class="facts">
        <dt>Key</dt>
        <dd>
          {row.apiKeyHint ?? "none"} {props.reveal}
        </dd>
        <dt>Status</dt>
        <dd>{row.lastVerification ? verificationText(row.lastVerification) : "not tested yet"}</dd>
        <dt>Gateway</dt>
        <dd>{healthText(row.health)}</dd>
        <dt>Used by</dt>
        <dd>{row.dependentCount} endpoint(s) or workspace(s)</dd>
        <dt>Calls (24 h)</dt>
        <dd>
          {row.callsLast24Hours}
          {row.lastUsedAt ? `, last ${when(row.lastUsedAt)}` : ""}
        </dd>
      </dl>
      <div class="controls">
        <Switch
          on={row.enabled}
          label={`Enabled: ${row.name}`}
          disabled={!props.manage}
          onFlip={() => props.onEnable(!row.enabled)}
        />
        {props.admin && (
          <button
            type="button"
            aria-label={`Set as default: ${row.name}`}
            aria-pressed={row.isDefault}
            class={row.isDefault ? "star on" : "star"}
            onClick={props.onDefault}
            disabled={row.isDefault}
          >
            <span aria-hidden="true">★</span>
          </button>
        )}
        {props.manage ? (
          <button
            type="button"
            aria-label={`Test: ${row.name}`}
            disabled={testing}
            onClick={async () => {
              setTesting(true);
              await props.onTest();
              setTesting(false);
            }}
          >
            {testing ? "Testing…" : "Test"}
          </button>
        ) : (
          <span class="muted">read-only</span>
        )}
        {props.edit}
        {props.remove}
      </div>
      {props.message && (
        <p class="row-message" role="status">
          {props.message}
        </p>
      )}
    </li>
  );
}

const REVEAL_SECONDS = 30;

/** The eye: shows the stored key for 30 s, or until focus leaves it; every reveal is audited. */
function RevealKey(props: { id: string; name: string }) {
  const [key, setKey] = useState<string | null>(null);
  const [note, setNote] = useState("");

  useEffect(() => {
    if (key === null) return;
    const timer = setTimeout(() => setKey(null), REVEAL_SECONDS * 1000);
    return () => clearTimeout(timer);
  }, [key]);

  async function reveal() {
    if (key !== null) return setKey(null);
    const { revealConnectionSecret: shown } = await request(REVEAL, { id: props.id });
    setNote(shown.userErrors.map((e) => e.message).join("; "));
    setKey(shown.apiKey ?? null);
  }

  return (
    <span class="reveal" onFocusOut={() => setKey(null)}>
      <button type="button" aria-label={`${key === null ? "Reveal key" : "Hide key"}: ${props.name}`} aria-pressed={key !== null} onClick={reveal}>
        <span aria-hidden="true">👁</span>
      </button>
      {key !== null && (
        <span role="status">
          <code>{key}</code> (shown for {REVEAL_SECONDS} s; this reveal is audited)
        </span>
      )}
      {note && <span role="alert">{note}</span>}
    </span>
  );
}

function verificationText(v: { status: string; ok: boolean; message: string | null; checkedAt: string }) {
  const head = v.ok ? "OK" : v.status.replaceAll("_", " ").toLowerCase();
  return `${head}${v.message && !v.ok ? `: ${v.message}` : ""} (checked ${when(v.checkedAt)})`;
}

function healthText(h: {
  state: string;
  consecutiveFailures: number;
  cooldownUntil: string | null;
  lastError: string | null;
}) {
  const failures = `${h.consecutiveFailures} failure${h.consecutiveFailures === 1 ? "" : "s"} in a row`;
  const why = h.lastError ? `: ${h.lastError}` : "";
  if (h.state === "COOLING_DOWN" && h.cooldownUntil) {
    const until = new Date(h.cooldownUntil).toLocaleTimeString();
    return `cooling down until ${until} after ${failures}${why}`;
  }
  if (h.state === "TRIAL") return `cooled down after ${failures}${why}; the next call tries it`;
  return h.lastError ? `healthy (last error${why})` : "healthy";
}

function when(iso: string): string {
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}
