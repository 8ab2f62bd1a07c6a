// "+ Add connection": a form built from the providers catalog (its auth options, config fields
// and default base URL), with custom headers, tested before it is saved; every userError shows
// beside its field.
import { useEffect, useState } from "preact/hooks";
import { request } from "./api";
import { useModal } from "./controls";
import { Field, FormErrors, HeadersField, useForm } from "./Field";
import { configInput, describeVerification, type HeaderRow, headersInput, splitList } from "./forms";
import { graphql, type ResultOf, type VariablesOf } from "./graphql";

const PROVIDERS = graphql(`
  query ConsoleProviders {
    providers {
      provider displayName defaultBaseUrl requiresBaseUrl
      authOptions { method label secretInput }
      configFields { name label required description example defaultValue }
    }
  }
`);

const TEST = graphql(`
  mutation ConsoleTestConnection($input: TestConnectionInput!) {
    testConnection(input: $input) { status ok message latencyMs modelCount }
  }
`);

const CREATE = graphql(`
  mutation ConsoleCreateConnection($input: CreateConnectionInput!) {
    createConnection(input: $input) {
      connection { id name }
      verification { status ok message }
      userErrors { field code message }
    }
  }
`);

type Provider = ResultOf<typeof PROVIDERS>["providers"][number];
type Input = VariablesOf<typeof CREATE>["input"];

/** `personalOnly`: a member's own connection, which may only be OpenAI-compatible. */
export function AddConnection(props: { personalOnly: boolean; onSaved: () => void }) {
  const [providers, setProviders] = useState<Provider[]>([]);
  const [open, setOpen] = useState(false);
  const dialog = useModal(open, () => {
    if (providers.length > 0) return;
    request(PROVIDERS).then((data) =>
      setProviders(data.providers.filter((p) => !props.personalOnly || p.provider === "OPENAI_COMPATIBLE")),
    );
  });

  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        <span aria-hidden="true">+ </span>Add connection
      </button>
      <dialog ref={dialog} aria-labelledby="add-heading" onClose={() => setOpen(false)}>
        {open && providers.length > 0 && (
          <ConnectionForm
            providers={providers}
            onCancel={() => setOpen(false)}
            onSaved={() => {
              setOpen(false);
              props.onSaved();
            }}
          />
        )}
      </dialog>
    </>
  );
}

function ConnectionForm(props: { providers: Provider[]; onCancel: () => void; onSaved: () => void }) {
  const [provider, setProvider] = useState(props.providers[0].provider);
  const spec = props.providers.find((p) => p.provider === provider) ?? props.providers[0];
  const { values, set, setErrors, errorOf, loose } = useForm();
  const [auth, setAuth] = useState(spec.authOptions[0]);
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const [outcome, setOutcome] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setAuth(spec.authOptions[0]);
    setErrors([]);
    setOutcome("");
  }, [provider]);

  function input(): Input {
    const listed = splitList(values.modelIds);
    return {
      name: (values.name ?? "").trim(),
      provider,
      authMethod: auth.method,
      baseUrl: values.baseUrl?.trim() || null,
      apiKey: auth.secretInput === "apiKey" ? values.apiKey || null : null,
      serviceAccountJson: auth.secretInput === "serviceAccountJson" ? values.serviceAccountJson || null : null,
      config: configInput(
        spec.configFields.map((field) => field.name),
        values,
      ),
      customHeaders: headers.length ? headersInput(headers) : null,
      prefixId: values.prefixId?.trim() || null,
      modelIds: listed.length ? listed : null,
      description: values.description?.trim() || null,
      enabled: true,
      isDefault: false,
      verify: true,
    };
  }

  async function test() {
    setBusy(true);
    setErrors([]);
    try {
      const { verify: _verify, enabled: _enabled, isDefault: _isDefault, ...fields } = input();
      const { testConnection: result } = await request(TEST, { input: fields });
      setOutcome(describeVerification(result));
    } catch (failure) {
      setOutcome(String(failure));
    } finally {
      setBusy(false);
    }
  }

  async function save(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      const { createConnection: made } = await request(CREATE, { input: input() });
      setErrors(made.userErrors);
      if (made.verification && !made.verification.ok) {
        setOutcome(`Not saved: the test failed (${made.verification.message ?? made.verification.status}).`);
      } else if (made.connection) {
        props.onSaved();
      }
    } catch (failure) {
      setOutcome(String(failure));
    } finally {
      setBusy(false);
    }
  }


  return (
    <form onSubmit={save} class="dialog-form">
      <h2 id="add-heading">Add connection</h2>
      <label for="add-provider">Provider</label>
      <select id="add-provider" value={provider} onChange={(e) => setProvider(e.currentTarget.value as typeof provider)}>
        {props.providers.map((p) => (
          <option key={p.provider} value={p.provider}>
            {p.displayName}
          </option>
        ))}
      </select>
      <Field id="add-name" label="Name" error={errorOf("name")} value={values.name} onInput={set("name")} required />
      <Field
        id="add-baseUrl"
        label="Base URL"
        error={errorOf("baseUrl")}
        value={values.baseUrl}
        onInput={set("baseUrl")}
        placeholder={spec.defaultBaseUrl ?? "https://…"}
        required={spec.requiresBaseUrl}
      />
      {spec.authOptions.length > 1 && (
        <>
          <label for="add-auth">Authentication</label>
          <select
            id="add-auth"
            value={auth.method}
            onChange={(e) => setAuth(spec.authOptions.find((o) => o.method === e.currentTarget.value) ?? auth)}
          >
            {spec.authOptions.map((option) => (
              <option key={option.method} value={option.method}>
                {option.label}
              </option>
            ))}
          </select>
        </>
      )}
      {auth.secretInput === "apiKey" && (
        <Field id="add-apiKey" label={auth.label} type="password" error={errorOf("apiKey")} value={values.apiKey} onInput={set("apiKey")} />
      )}
      {auth.secretInput === "serviceAccountJson" && (
        <Field
          id="add-serviceAccountJson"
          label="Service account JSON"
          error={errorOf("serviceAccountJson")}
          value={values.serviceAccountJson}
          onInput={set("serviceAccountJson")}
        />
      )}
      {spec.configFields.map((field) => (
        <Field
          key={field.name}
          id={`add-config.${field.name}`}
          label={field.label}
          hint={field.description}
          error={errorOf(`config.${field.name}`)}
          value={values[`config.${field.name}`]}
          onInput={set(`config.${field.name}`)}
          placeholder={field.example ?? field.defaultValue ?? ""}
          required={field.required}
        />
      ))}
      <Field id="add-prefixId" label="Prefix ID" hint="Models are exposed as {prefix}.{model}." error={errorOf("prefixId")} value={values.prefixId} onInput={set("prefixId")} />
      <Field id="add-modelIds" label="Model IDs" hint="Comma-separated; when set, the provider's listing is not asked." error={errorOf("modelIds")} value={values.modelIds} onInput={set("modelIds")} />
      <HeadersField id="add-header" rows={headers} onChange={setHeaders} errorOf={errorOf} />
      <FormErrors errors={loose()} />
      {outcome && <p role="status">{outcome}</p>}
      <div class="dialog-buttons">
        <button type="button" onClick={test} disabled={busy}>
          Test connection
        </button>
        <button type="submit" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
