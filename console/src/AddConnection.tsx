// "+ Add connection": a form built from the providers catalog (its auth methods, config fields
// and default base URL), tested before it is saved; every userError shows beside its field.
import { useEffect, useState } from "preact/hooks";
import { request } from "./api";
import { useModal } from "./controls";
import { Field, FormErrors, useForm } from "./Field";
import { graphql, type ResultOf, type VariablesOf } from "./graphql";

const PROVIDERS = graphql(`
  query ConsoleProviders {
    providers {
      provider displayName defaultBaseUrl authMethods requiresBaseUrl
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
const SECRET_METHODS = new Set(["API_KEY", "AZURE_API_KEY", "AZURE_AD_TOKEN"]);

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
  const { values, set, errors, setErrors, errorOf } = useForm();
  const [authMethod, setAuthMethod] = useState(spec.authMethods[0]);
  const [outcome, setOutcome] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setAuthMethod(spec.authMethods[0]);
    setErrors([]);
    setOutcome("");
  }, [provider]);

  function input(): Input {
    const config: Record<string, string> = {};
    for (const field of spec.configFields) {
      const value = values[`config.${field.name}`]?.trim();
      if (value) config[field.name] = value;
    }
    const listed = (values.modelIds ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    return {
      name: (values.name ?? "").trim(),
      provider,
      authMethod,
      baseUrl: values.baseUrl?.trim() || null,
      apiKey: SECRET_METHODS.has(authMethod) ? values.apiKey || null : null,
      serviceAccountJson: authMethod === "SERVICE_ACCOUNT" ? values.serviceAccountJson || null : null,
      config: Object.keys(config).length ? config : null,
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
      setOutcome(
        result.ok
          ? `Connection OK: ${result.modelCount ?? 0} model(s), ${result.latencyMs ?? 0} ms.`
          : `Test failed (${result.status.replaceAll("_", " ").toLowerCase()}): ${result.message ?? ""}`,
      );
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
      {spec.authMethods.length > 1 && (
        <>
          <label for="add-auth">Authentication</label>
          <select id="add-auth" value={authMethod} onChange={(e) => setAuthMethod(e.currentTarget.value as typeof authMethod)}>
            {spec.authMethods.map((m) => (
              <option key={m} value={m}>
                {m.replaceAll("_", " ").toLowerCase()}
              </option>
            ))}
          </select>
        </>
      )}
      {SECRET_METHODS.has(authMethod) && (
        <Field id="add-apiKey" label="API key" type="password" error={errorOf("apiKey")} value={values.apiKey} onInput={set("apiKey")} />
      )}
      {authMethod === "SERVICE_ACCOUNT" && (
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
          error={errorOf(field.name)}
          value={values[`config.${field.name}`]}
          onInput={set(`config.${field.name}`)}
          placeholder={field.example ?? field.defaultValue ?? ""}
          required={field.required}
        />
      ))}
      <Field id="add-prefixId" label="Prefix ID" hint="Models are exposed as {prefix}.{model}." error={errorOf("prefixId")} value={values.prefixId} onInput={set("prefixId")} />
      <Field id="add-modelIds" label="Model IDs" hint="Comma-separated; when set, the provider's listing is not asked." error={errorOf("modelIds")} value={values.modelIds} onInput={set("modelIds")} />
      <FormErrors errors={errors} />
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
