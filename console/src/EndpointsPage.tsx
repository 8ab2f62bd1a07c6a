// Endpoints: the named routes applications call. A list, a form to add one (a connection and a
// model it serves), Delete, and a "Use it" panel with snippets for this server's /v1.
import { useEffect, useState } from "preact/hooks";
import { Options, useModal } from "./controls";
import { request } from "./api";
import { ConfirmDelete } from "./ConfirmDelete";
import { Field, FormErrors, useForm } from "./Field";
import { graphql, readFragment, type ResultOf } from "./graphql";

const ENDPOINT = graphql(`
  fragment EndpointRow on Endpoint {
    id name model description version lastUsedAt callsLast24Hours connection { id name }
  }
`);

const PAGE = graphql(
  `
  query ConsoleEndpoints {
    endpoints(first: 200) { totalCount nodes { ...EndpointRow } }
    connections(first: 500) { nodes { id name } }
  }
`,
  [ENDPOINT],
);

const CREATE = graphql(`
  mutation ConsoleCreateEndpoint($input: CreateEndpointInput!) {
    createEndpoint(input: $input) { endpoint { id } userErrors { field code message } }
  }
`);

const UPDATE = graphql(`
  mutation ConsoleUpdateEndpoint($id: ID!, $input: UpdateEndpointInput!) {
    updateEndpoint(id: $id, input: $input) { endpoint { id } userErrors { field code message } }
  }
`);

const DELETE = graphql(`
  mutation ConsoleDeleteEndpoint($id: ID!) {
    deleteEndpoint(id: $id) { deletedId userErrors { message } }
  }
`);

type Row = ResultOf<typeof ENDPOINT>;

export function Endpoints(props: { admin: boolean }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [connections, setConnections] = useState<{ id: string; name: string }[]>([]);
  const [using, setUsing] = useState<string | null>(null);
  const [error, setError] = useState("");

  async function load() {
    const data = await request(PAGE);
    setRows(data.endpoints.nodes.map((node) => readFragment(ENDPOINT, node)));
    setConnections(data.connections.nodes);
  }

  useEffect(() => {
    load().catch((e) => setError(String(e)));
  }, []);

  async function remove(row: Row) {
    const { deleteEndpoint: done } = await request(DELETE, { id: row.id });
    setError(done.userErrors.map((e) => e.message).join("; "));
    await load();
  }

  return (
    <section aria-labelledby="endpoints-heading">
      <h1 id="endpoints-heading">Endpoints</h1>
      {props.admin && <AddEndpoint connections={connections} onAdded={load} />}
      {error && <p role="alert">{error}</p>}
      <table>
        <caption>Endpoints ({rows.length})</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Connection</th>
            <th scope="col">Model</th>
            <th scope="col">Calls (24 h)</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{row.name}</th>
              <td>{row.connection?.name ?? "none (unlinked)"}</td>
              <td>{row.model}</td>
              <td>{row.callsLast24Hours}</td>
              <td>
                <button type="button" aria-label={`Use it: ${row.name}`} aria-expanded={using === row.id} onClick={() => setUsing(using === row.id ? null : row.id)}>
                  Use it
                </button>{" "}
                {props.admin && <EditEndpoint row={row} connections={connections} onSaved={load} />}{" "}
                {props.admin && (
                  <ConfirmDelete name={row.name} onConfirm={() => remove(row)}>
                    Applications that call the endpoint {row.name} will get 404 (model not found).
                  </ConfirmDelete>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows
        .filter((row) => row.id === using)
        .map((row) => (
          <UseIt key={row.id} name={row.name} />
        ))}
    </section>
  );
}

function AddEndpoint(props: { connections: { id: string; name: string }[]; onAdded: () => void }) {
  const { values, setValues, set, errors, setErrors, errorOf } = useForm();

  async function add(event: Event) {
    event.preventDefault();
    const { createEndpoint: done } = await request(CREATE, {
      input: {
        name: (values.name ?? "").trim(),
        connectionId: values.connectionId ?? props.connections[0]?.id ?? "",
        model: (values.model ?? "").trim(),
        description: values.description?.trim() || null,
      },
    });
    setErrors(done.userErrors);
    if (done.endpoint) {
      setValues({});
      props.onAdded();
    }
  }

  return (
    <form class="dialog-form card" onSubmit={add} aria-labelledby="add-endpoint-heading">
      <h2 id="add-endpoint-heading">New endpoint</h2>
      <Field id="endpoint-name" label="Name" value={values.name} onInput={set("name")} error={errorOf("name")} required />
      <label for="endpoint-connection">Connection</label>
      <select id="endpoint-connection" value={values.connectionId} onChange={set("connectionId")}>
        <Options items={props.connections} />
      </select>
      {errorOf("connectionId") && <span class="field-error">{errorOf("connectionId")}</span>}
      <Field id="endpoint-model" label="Model" hint="A model the connection serves." value={values.model} onInput={set("model")} error={errorOf("model")} required />
      <Field id="endpoint-description" label="Description" value={values.description} onInput={set("description")} error={errorOf("description")} />
      <FormErrors errors={errors} />
      <div class="dialog-buttons">
        <button type="submit">Add endpoint</button>
      </div>
    </form>
  );
}

/** Change an endpoint's connection, model or description: its callers follow at once. */
function EditEndpoint(props: { row: Row; connections: { id: string; name: string }[]; onSaved: () => void }) {
  const [open, setOpen] = useState(false);
  const { values, setValues, set, errors, setErrors, errorOf } = useForm();
  const { row } = props;

  const dialog = useModal(open, () => {
    setValues({ connectionId: row.connection?.id ?? "", model: row.model, description: row.description ?? "" });
    setErrors([]);
  });


  async function save(event: Event) {
    event.preventDefault();
    const input = {
      connectionId: values.connectionId || null,
      model: values.model?.trim() ?? row.model,
      description: values.description?.trim() || null,
      expectedVersion: row.version,
    };
    const { updateEndpoint: done } = await request(UPDATE, { id: row.id, input });
    setErrors(done.userErrors);
    if (done.endpoint && done.userErrors.length === 0) {
      setOpen(false);
      props.onSaved();
    }
  }

  const heading = `edit-endpoint-${row.id}`;
  return (
    <>
      <button type="button" aria-label={`Edit: ${row.name}`} onClick={() => setOpen(true)}>
        Edit
      </button>
      <dialog ref={dialog} aria-labelledby={heading} onClose={() => setOpen(false)}>
        <form class="dialog-form" onSubmit={save}>
          <h2 id={heading}>Edit {row.name}</h2>
          <label for={`${heading}-connection`}>Connection</label>
          <select id={`${heading}-connection`} value={values.connectionId} onChange={set("connectionId")}>
            <Options items={props.connections} />
          </select>
          {errorOf("connectionId") && <span class="field-error">{errorOf("connectionId")}</span>}
          <Field id={`${heading}-model`} label="Model" value={values.model} onInput={set("model")} error={errorOf("model")} required />
          <Field id={`${heading}-description`} label="Description" value={values.description} onInput={set("description")} error={errorOf("description")} />
          <FormErrors errors={errors} />
          <div class="dialog-buttons">
            <button type="submit">Save</button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

function UseIt(props: { name: string }) {
  const base = `${location.origin}/v1`;
  const snippets: [string, string][] = [
    [
      "Python (openai)",
      `import os\n\nfrom openai import OpenAI\n\nclient = OpenAI(base_url="${base}", api_key=os.environ["SWITCHBOARD_TOKEN"])\nreply = client.chat.completions.create(\n    model="${props.name}", messages=[{"role": "user", "content": "hello"}]\n)\nprint(reply.choices[0].message.content)`,
    ],
    [
      "Python (anthropic)",
      `import os\n\nfrom anthropic import Anthropic\n\nclient = Anthropic(base_url="${location.origin}", api_key=os.environ["SWITCHBOARD_TOKEN"])\nreply = client.messages.create(\n    model="${props.name}", max_tokens=200, messages=[{"role": "user", "content": "hello"}]\n)\nprint(reply.content[0].text)`,
    ],
    [
      "curl",
      `curl -s ${base}/chat/completions -H "Authorization: Bearer $SWITCHBOARD_TOKEN" \\\n  -H 'Content-Type: application/json' \\\n  -d '{"model": "${props.name}", "messages": [{"role": "user", "content": "hello"}]}'`,
    ],
  ];
  return (
    <section class="card use-it" aria-label={`Use ${props.name}`}>
      <h2>Use {props.name}</h2>
      <p class="hint">
        Set <code>SWITCHBOARD_TOKEN</code> to a token (a CALLER token from Tokens suits an application).
      </p>
      {snippets.map(([title, code]) => (
        <div key={title}>
          <h3>{title}</h3>
          <pre>
            <code>{code}</code>
          </pre>
          <button type="button" onClick={() => navigator.clipboard.writeText(code)}>
            Copy {title}
          </button>
        </div>
      ))}
    </section>
  );
}
