// The gear: edit a connection's plain fields (never its key: the dialog neither shows nor resends
// it) and, apart, rotate its key with a test first. A stale version says so and offers a reload.
import { useState } from "preact/hooks";
import { useModal } from "./controls";
import { request } from "./api";
import { ROW } from "./connections";
import { Field, FormErrors, useForm } from "./Field";
import { graphql, readFragment, type ResultOf } from "./graphql";

const UPDATE = graphql(
  `
  mutation ConsoleUpdateConnection($id: ID!, $input: UpdateConnectionInput!) {
    updateConnection(id: $id, input: $input) {
      connection { ...ConnectionRow description prefixId modelIds }
      userErrors { field code message }
    }
  }
`,
  [ROW],
);

const ROTATE = graphql(
  `
  mutation ConsoleRotateKey($id: ID!, $input: RotateCredentialsInput!) {
    rotateConnectionCredentials(id: $id, input: $input) {
      connection { ...ConnectionRow }
      verification { ok status message }
      userErrors { field code message }
    }
  }
`,
  [ROW],
);

const CURRENT = graphql(
  `
  query ConsoleEditConnection($id: ID!) {
    connection(id: $id) { ...ConnectionRow description prefixId modelIds }
  }
`,
  [ROW],
);

type Row = ResultOf<typeof ROW>;
type Editable = { name: string; baseUrl: string; description: string; prefixId: string; modelIds: string };

export function EditConnection(props: { row: Row; onChanged: (row: Row) => void }) {
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Editable | null>(null);
  const [version, setVersion] = useState(props.row.version);
  const { errors, setErrors, errorOf } = useForm();
  const [newKey, setNewKey] = useState("");
  const [said, setSaid] = useState("");
  const [busy, setBusy] = useState(false);
  const id = props.row.id;

  async function reload() {
    const { connection } = await request(CURRENT, { id });
    if (!connection) return;
    const row = readFragment(ROW, connection);
    setVersion(row.version);
    setValues({
      name: row.name,
      baseUrl: row.baseUrl,
      description: connection.description ?? "",
      prefixId: connection.prefixId ?? "",
      modelIds: connection.modelIds.join(", "),
    });
    setErrors([]);
    props.onChanged(row);
  }

  const dialog = useModal(open, () => {
    setSaid("");
    setNewKey("");
    reload();
  });

  async function save(event: Event) {
    event.preventDefault();
    if (!values) return;
    setBusy(true);
    try {
      const listed = values.modelIds.split(",").map((s) => s.trim()).filter(Boolean);
      const input = {
        name: values.name.trim(),
        baseUrl: values.baseUrl.trim(),
        description: values.description.trim() || null,
        prefixId: values.prefixId.trim() || null,
        modelIds: listed,
        expectedVersion: version,
      };
      const { updateConnection: done } = await request(UPDATE, { id, input });
      setErrors(done.userErrors);
      if (done.connection && done.userErrors.length === 0) {
        props.onChanged(readFragment(ROW, done.connection));
        setOpen(false);
      }
    } finally {
      setBusy(false);
    }
  }

  async function rotate() {
    setBusy(true);
    try {
      const { rotateConnectionCredentials: done } = await request(ROTATE, {
        id,
        input: { apiKey: newKey, verify: true },
      });
      setNewKey("");
      if (done.connection && done.userErrors.length === 0) {
        props.onChanged(readFragment(ROW, done.connection));
        setSaid("Key rotated and tested: every endpoint and workspace uses it from the next call.");
      } else {
        setSaid(done.userErrors.map((e) => e.message).join("; ") || "The key was not changed.");
      }
    } finally {
      setBusy(false);
    }
  }

  const set = (name: keyof Editable) => (event: Event) =>
    values && setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value });
  const conflict = errors.some((e) => e.code === "VERSION_CONFLICT");
  const heading = `edit-heading-${id}`;
  const field = (name: string) => `edit-${id}-${name}`;

  return (
    <>
      <button type="button" aria-label={`Edit: ${props.row.name}`} onClick={() => setOpen(true)}>
        <span aria-hidden="true">⚙</span>
      </button>
      <dialog ref={dialog} aria-labelledby={heading} onClose={() => setOpen(false)}>
        <form class="dialog-form" onSubmit={save}>
          <h2 id={heading}>Edit {props.row.name}</h2>
          {values === null ? (
            <p>Loading…</p>
          ) : (
            <>
              <Field id={field("name")} label="Name" value={values.name} onInput={set("name")} error={errorOf("name")} required />
              <Field id={field("baseUrl")} label="Base URL" value={values.baseUrl} onInput={set("baseUrl")} error={errorOf("baseUrl")} />
              <Field id={field("description")} label="Description" value={values.description} onInput={set("description")} error={errorOf("description")} />
              <Field id={field("prefixId")} label="Prefix ID" value={values.prefixId} onInput={set("prefixId")} error={errorOf("prefixId")} />
              <Field
                id={field("modelIds")}
                label="Model IDs"
                hint="Comma-separated; empty lists the provider's models."
                value={values.modelIds}
                onInput={set("modelIds")}
                error={errorOf("modelIds")}
              />
              {conflict ? (
                <p role="alert">
                  Changed by someone else since you opened it.{" "}
                  <button type="button" onClick={reload}>
                    Reload
                  </button>
                </p>
              ) : (
                <FormErrors errors={errors} />
              )}
              <div class="dialog-buttons">
                <button type="submit" disabled={busy}>
                  Save
                </button>
                <button type="button" onClick={() => setOpen(false)}>
                  Cancel
                </button>
              </div>
              <h3>Rotate key</h3>
              <p class="hint">
                The stored key is never shown here (its hint is {props.row.apiKeyHint ?? "none"}). A new key is tested
                first; if the test fails, the old key stays.
              </p>
              <Field id={field("newKey")} label="New API key" type="password" value={newKey} onInput={(e) => setNewKey((e.currentTarget as HTMLInputElement).value)} />
              <div class="dialog-buttons">
                <button type="button" disabled={busy || !newKey} onClick={rotate}>
                  Rotate key
                </button>
              </div>
              {said && <p role="status">{said}</p>}
            </>
          )}
        </form>
      </dialog>
    </>
  );
}
