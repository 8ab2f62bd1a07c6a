// The audit log: who did what to which, when, with each change's before and after (a changed
// secret is marked, never shown). Filtered by action and time on the server.
import { useEffect, useState } from "preact/hooks";
import { Options } from "./controls";
import { request } from "./api";
import { graphql, readFragment, type ResultOf } from "./graphql";

const EVENT = graphql(`
  fragment AuditRow on AuditEvent {
    id at action actorName targetType targetName requestId
    changes { field old new secret }
  }
`);

const EVENTS = graphql(
  `
  query ConsoleAudit($filter: AuditFilter, $after: String, $withUsers: Boolean!) {
    users(first: 500) @include(if: $withUsers) { nodes { id name } }
    auditEvents(filter: $filter, first: 50, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...AuditRow }
    }
  }
`,
  [EVENT],
);

type Row = ResultOf<typeof EVENT>;

export function Audit() {
  const [rows, setRows] = useState<Row[]>([]);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [action, setAction] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [actor, setActor] = useState("");
  const [users, setUsers] = useState<{ id: string; name: string }[] | null>(null);
  const [error, setError] = useState("");

  async function load(after: string | null) {
    const filter = {
      action: action.trim() || null,
      since: since ? new Date(since).toISOString() : null,
      until: until ? new Date(until).toISOString() : null,
      actorId: actor || null,
    };
    const data = await request(EVENTS, { filter, after, withUsers: users === null });
    if (data.users) setUsers(data.users.nodes);
    const { auditEvents } = data;
    const fresh = auditEvents.nodes.map((node) => readFragment(EVENT, node));
    setRows((current) => (after ? [...current, ...fresh] : fresh));
    setTotal(auditEvents.totalCount);
    setNext(auditEvents.pageInfo.hasNextPage ? (auditEvents.pageInfo.endCursor ?? null) : null);
  }

  useEffect(() => {
    const timer = setTimeout(() => load(null).catch((e) => setError(String(e))), 250);
    return () => clearTimeout(timer);
  }, [action, since, until, actor]);

  return (
    <section aria-labelledby="audit-heading">
      <h1 id="audit-heading">Audit log</h1>
      <div class="toolbar">
        <label for="audit-action">Action</label>
        <input
          id="audit-action"
          list="audit-actions"
          value={action}
          onInput={(e) => setAction(e.currentTarget.value)}
          placeholder='e.g. "connection." for every connection action'
        />
        <datalist id="audit-actions">
          {["connection.", "endpoint.", "workspace.", "token.", "settings.", "model."].map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label for="audit-actor">Who</label>
        <select id="audit-actor" value={actor} onChange={(e) => setActor(e.currentTarget.value)}>
          <option value="">anyone</option>
          <Options items={users ?? []} />
        </select>
        <label for="audit-since">From</label>
        <input id="audit-since" type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
        <label for="audit-until">To</label>
        <input id="audit-until" type="datetime-local" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
      </div>
      {error && <p role="alert">{error}</p>}
      <table>
        <caption>Audit events ({total})</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <td>{new Date(row.at).toLocaleString()}</td>
              <td>{row.actorName ?? "system"}</td>
              <th scope="row">{row.action}</th>
              <td>
                {row.targetType} {row.targetName ?? ""}
              </td>
              <td>
                <ul class="changes">
                  {row.changes.map((c) => (
                    <li key={c.field}>
                      {c.field}: {c.secret ? "changed (secret, not recorded)" : `${shown(c.old)} → ${shown(c.new)}`}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={() => load(next)}>
          Load more events
        </button>
      )}
    </section>
  );
}

function shown(value: unknown): string {
  return value === null || value === undefined ? "none" : JSON.stringify(value);
}
