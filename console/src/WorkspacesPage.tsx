// Workspaces: each uses its own default connection, else the global default. A list with the
// connection each one uses, a form to add one, a select to change its default, and Delete.
import { useEffect, useState } from "preact/hooks";
import { Options } from "./controls";
import { request } from "./api";
import { ConfirmDelete } from "./ConfirmDelete";
import { Field, useForm } from "./Field";
import { graphql, readFragment, type ResultOf } from "./graphql";
import { BudgetsOf, useBudgets } from "./Spend";

const WORKSPACE = graphql(`
  fragment WorkspaceRow on Workspace {
    id name version callsLast24Hours
    defaultConnection { id name }
    effectiveConnection { id name }
  }
`);

const PAGE = graphql(
  `
  query ConsoleWorkspaces {
    workspaces(first: 200) { nodes { ...WorkspaceRow } }
    connections(first: 500) { nodes { id name } }
  }
`,
  [WORKSPACE],
);

const CREATE = graphql(`
  mutation ConsoleCreateWorkspace($input: CreateWorkspaceInput!) {
    createWorkspace(input: $input) { workspace { id } userErrors { field code message } }
  }
`);

const UPDATE = graphql(`
  mutation ConsoleUpdateWorkspace($id: ID!, $input: UpdateWorkspaceInput!) {
    updateWorkspace(id: $id, input: $input) { workspace { id } userErrors { code message } }
  }
`);

const DELETE = graphql(`
  mutation ConsoleDeleteWorkspace($id: ID!) {
    deleteWorkspace(id: $id) { deletedId userErrors { message } }
  }
`);

type Row = ResultOf<typeof WORKSPACE>;

export function Workspaces(props: { admin: boolean }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [connections, setConnections] = useState<{ id: string; name: string }[]>([]);
  const [name, setName] = useState("");
  const { setErrors, errorOf } = useForm();
  const [said, setSaid] = useState("");
  const budgets = useBudgets("WORKSPACE");

  async function load() {
    const data = await request(PAGE);
    setRows(data.workspaces.nodes.map((node) => readFragment(WORKSPACE, node)));
    setConnections(data.connections.nodes);
  }

  useEffect(() => {
    load().catch((e) => setSaid(String(e)));
  }, []);

  async function add(event: Event) {
    event.preventDefault();
    const { createWorkspace: done } = await request(CREATE, { input: { name: name.trim() } });
    setErrors(done.userErrors);
    if (done.workspace) {
      setName("");
      await load();
    }
  }

  async function choose(row: Row, connectionId: string) {
    const input = { defaultConnectionId: connectionId || null, expectedVersion: row.version };
    const { updateWorkspace: done } = await request(UPDATE, { id: row.id, input });
    setSaid(done.userErrors.map((e) => e.message).join("; "));
    await load();
  }

  async function remove(row: Row) {
    const { deleteWorkspace: done } = await request(DELETE, { id: row.id });
    setSaid(done.userErrors.map((e) => e.message).join("; "));
    await load();
  }

  return (
    <section aria-labelledby="workspaces-heading">
      <h1 id="workspaces-heading">Workspaces</h1>
      {props.admin && (
        <form class="dialog-form card" onSubmit={add} aria-labelledby="add-workspace-heading">
          <h2 id="add-workspace-heading">New workspace</h2>
          <Field
            id="workspace-name"
            label="Name"
            value={name}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
            error={errorOf("name")}
            required
          />
          <div class="dialog-buttons">
            <button type="submit">Add workspace</button>
          </div>
        </form>
      )}
      {said && <p role="alert">{said}</p>}
      <table>
        <caption>Workspaces ({rows.length})</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Default connection</th>
            <th scope="col">Uses</th>
            <th scope="col">Calls (24 h)</th>
            <th scope="col">Budget</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{row.name}</th>
              <td>
                <select
                  aria-label={`Default connection: ${row.name}`}
                  value={row.defaultConnection?.id ?? ""}
                  disabled={!props.admin}
                  onChange={(e) => choose(row, e.currentTarget.value)}
                >
                  <option value="">the global default</option>
                  <Options items={connections} />
                </select>
              </td>
              <td>{row.effectiveConnection?.name ?? "none"}</td>
              <td>{row.callsLast24Hours}</td>
              <td>
                <BudgetsOf budgets={budgets} scopeId={row.id} />
              </td>
              <td>
                {props.admin && (
                  <ConfirmDelete name={row.name} onConfirm={() => remove(row)}>
                    Callers that name the workspace {row.name} (X-Switchboard-Workspace) will get 404.
                  </ConfirmDelete>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
