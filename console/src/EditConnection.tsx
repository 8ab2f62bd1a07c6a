// The gear: edit a connection's fields, its provider's config fields and its custom headers
// (never its key: the dialog neither shows nor resends it; a base URL on another host asks for it
// again) and, apart, rotate its key with a test first. A stale version says so and offers a
// reload.
import { useState } from "preact/hooks";
import { useModal } from "./controls";
import { request } from "./api";
import { ROW } from "./connections";
import { Field, FormErrors, HeadersField, useForm } from "./Field";
import { configInput, type HeaderRow, headersInput, movesOrigin, splitList } from "./forms";
import { graphql, readFragment, type ResultOf } from "./graphql";

const EDITABLE = graphql(`
  fragment EditableConnection on LLMConnection {
    description prefixId modelIds provider authMethod config
    customHeaders { name valueHint }
  }
`);

const UPDATE = graphql(
  `
  mutation ConsoleUpdateConnection($id: ID!, $input: UpdateConnectionInput!) {
    updateConnection(id: $id, input: $input) {
      connection { ...ConnectionRow }
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
    connection(id: $id) { ...ConnectionRow ...EditableConnection }
    providers {
      provider
      authOptions { method label secretInput }
      configFields { name label required description example defaultValue }
    }
  }
`,
  [ROW, EDITABLE],
);

type Row = ResultOf<typeof ROW>;
type Current = ResultOf<typeof CURRENT>;
type Spec = Current["providers"][number];

export function EditConnection(props: { row: Row; onChanged: (row: Row) => void }) {
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState<{ spec: Spec; secret: { label: string; input: string } | null } | null>(null);
  const [version, setVersion] = useState(props.row.version);
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const { values, setValues, set, errors, setErrors, errorOf, loose } = useForm();
  const [newKey, setNewKey] = useState("");
  const [said, setSaid] = useState("");
  const [busy, setBusy] = useState(false);
  const id = props.row.id;

  async function reload() {
    const { connection, providers } = await request(CURRENT, { id });
    if (!connection) return;
    const row = readFragment(ROW, connection);
    const editable = readFragment(EDITABLE, connection);
    const spec = providers.find((p) => p.provider === editable.provider);
    if (!spec) return;
    const auth = spec.authOptions.find((o) => o.method === editable.authMethod);
    const config = (editable.config ?? {}) as Record<string, string>;
    setVersion(row.version);
    setValues({
      name: row.name,
      baseUrl: row.baseUrl,
      description: editable.description ?? "",
      prefixId: editable.prefixId ?? "",
      modelIds: editable.modelIds.join(", "),
      ...Object.fromEntries(spec.configFields.map((f) => [`config.${f.name}`, config[f.name] ?? ""])),
    });
    setHeaders(editable.customHeaders.map((h) => ({ name: h.name, value: "", valueHint: h.valueHint })));
    setLoaded({ spec, secret: auth?.secretInput ? { label: auth.label, input: auth.secretInput } : null });
    setErrors([]);
    props.onChanged(row);
  }

  const dialog = useModal(open, () => {
    setSaid("");
    setNewKey("");
    setLoaded(null);
    reload();
  });
  const moved = loaded?.secret && movesOrigin(props.row.baseUrl, values.baseUrl ?? "") ? loaded.secret : null;

  async function save(event: Event) {
    event.preventDefault();
    if (!loaded) return;
    setBusy(true);
    try {
      const configNames = loaded.spec.configFields.map((f) => f.name);
      const input = {
        name: (values.name ?? "").trim(),
        baseUrl: (values.baseUrl ?? "").trim(),
        description: values.description?.trim() || null,
        prefixId: values.prefixId?.trim() || null,
        modelIds: splitList(values.modelIds),
        ...(configNames.length ? { config: configInput(configNames, values) ?? {} } : {}),
        customHeaders: headersInput(headers),
        ...(moved && values.secret ? { [moved.input]: values.secret } : {}),
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
          {loaded === null ? (
            <p>Loading…</p>
          ) : (
            <>
              <Field id={field("name")} label="Name" value={values.name} onInput={set("name")} error={errorOf("name")} required />
              <Field id={field("baseUrl")} label="Base URL" value={values.baseUrl} onInput={set("baseUrl")} error={errorOf("baseUrl")} />
              {moved && (
                <Field
                  id={field("secret")}
                  label={`${moved.label} for the new host`}
                  type="password"
                  hint="A stored secret never goes to a host it was not entered for: type it again."
                  value={values.secret}
                  onInput={set("secret")}
                  error={errorOf(moved.input)}
                />
              )}
              {loaded.spec.configFields.map((f) => (
                <Field
                  key={f.name}
                  id={field(`config.${f.name}`)}
                  label={f.label}
                  hint={f.description}
                  value={values[`config.${f.name}`]}
                  onInput={set(`config.${f.name}`)}
                  placeholder={f.example ?? f.defaultValue ?? ""}
                  required={f.required}
                  error={errorOf(`config.${f.name}`)}
                />
              ))}
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
              <HeadersField id={field("header")} rows={headers} onChange={setHeaders} errorOf={errorOf} />
              {conflict ? (
                <p role="alert">
                  Changed by someone else since you opened it.{" "}
                  <button type="button" onClick={reload}>
                    Reload
                  </button>
                </p>
              ) : (
                <FormErrors errors={loose()} />
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
