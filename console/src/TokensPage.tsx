// Tokens: create one (role, owner, allowed models, per-minute limits, expiry) and see its value
// once, with a copy button; list them; revoke one.
import { useEffect, useState } from "preact/hooks";
import { request } from "./api";
import { Field, FormErrors, useForm } from "./Field";
import { graphql, readFragment, type ResultOf } from "./graphql";
import { BudgetsOf, useBudgets } from "./Spend";

const TOKEN = graphql(`
  fragment TokenRow on ApiToken {
    id name role prefix createdAt expiresAt lastUsedAt revokedAt active
    allowedModels requestsPerMinute tokensPerMinute owner { name }
  }
`);

const LIST = graphql(
  `
  query ConsoleTokens($after: String, $admin: Boolean!) {
    users(first: 500) @include(if: $admin) { nodes { name } }
    apiTokens(first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...TokenRow }
    }
  }
`,
  [TOKEN],
);

const CREATE = graphql(`
  mutation ConsoleCreateToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) { token userErrors { field code message } }
  }
`);

const REVOKE = graphql(`
  mutation ConsoleRevokeToken($id: ID!) {
    revokeApiToken(id: $id) { userErrors { message } }
  }
`);

type Row = ResultOf<typeof TOKEN>;
type Role = "ADMIN" | "MEMBER" | "CALLER";

export function Tokens(props: { admin: boolean }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [users, setUsers] = useState<string[]>([]);
  const [error, setError] = useState("");
  const budgets = useBudgets("TOKEN");

  async function load() {
    try {
      const data = await request(LIST, { after: null, admin: props.admin });
      setRows(data.apiTokens.nodes.map((node) => readFragment(TOKEN, node)));
      setUsers(data.users?.nodes.map((user) => user.name) ?? []);
    } catch (failure) {
      setError(String(failure));
    }
  }

  useEffect(() => {
    load();
  }, []);

  async function revoke(row: Row) {
    const { revokeApiToken: done } = await request(REVOKE, { id: row.id });
    setError(done.userErrors.map((e) => e.message).join("; "));
    load();
  }

  return (
    <section aria-labelledby="tokens-heading">
      <h1 id="tokens-heading">Tokens</h1>
      <CreateToken admin={props.admin} users={users} onCreated={load} />
      {error && <p role="alert">{error}</p>}
      <table>
        <caption>Tokens ({rows.length})</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Owner</th>
            <th scope="col">Starts with</th>
            <th scope="col">Limits</th>
            <th scope="col">Budget</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{row.name}</th>
              <td>{row.role}</td>
              <td>{row.owner?.name ?? ""}</td>
              <td>
                <code>{row.prefix}…</code>
              </td>
              <td>{limits(row)}</td>
              <td>
                <BudgetsOf budgets={budgets} scopeId={row.id} />
              </td>
              <td>{row.expiresAt ? new Date(row.expiresAt).toLocaleString() : "never"}</td>
              <td>{row.lastUsedAt ? new Date(row.lastUsedAt).toLocaleString() : "never"}</td>
              <td>
                {row.active ? (
                  <button type="button" aria-label={`Revoke: ${row.name}`} onClick={() => revoke(row)}>
                    Revoke
                  </button>
                ) : (
                  "revoked or expired"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function limits(row: Row): string {
  const parts = [];
  if (row.allowedModels.length) parts.push(`models: ${row.allowedModels.join(", ")}`);
  if (row.requestsPerMinute !== null) parts.push(`${row.requestsPerMinute} requests/min`);
  if (row.tokensPerMinute !== null) parts.push(`${row.tokensPerMinute} tokens/min`);
  return parts.join("; ") || "none";
}

function CreateToken(props: { admin: boolean; users: string[]; onCreated: () => void }) {
  const { values, setValues, set, errors, setErrors, errorOf } = useForm({ role: "CALLER" });
  const [made, setMade] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  const number = (name: string) => (values[name]?.trim() ? Number(values[name]) : null);

  async function create(event: Event) {
    event.preventDefault();
    const models = (values.allowedModels ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const expires = values.expiresAt?.trim();
    const { createApiToken: done } = await request(CREATE, {
      input: {
        name: (values.name ?? "").trim(),
        role: values.role as Role,
        user: values.user?.trim() || null,
        allowedModels: models.length ? models : null,
        requestsPerMinute: number("requestsPerMinute"),
        tokensPerMinute: number("tokensPerMinute"),
        expiresAt: expires ? new Date(expires).toISOString() : null,
      },
    });
    setErrors(done.userErrors);
    if (done.token) {
      setMade(done.token);
      setCopied(false);
      setValues({ role: values.role });
      props.onCreated();
    }
  }

  return (
    <form class="dialog-form card" onSubmit={create} aria-labelledby="create-token-heading">
      <h2 id="create-token-heading">New token</h2>
      <Field id="token-name" label="Name" value={values.name} onInput={set("name")} error={errorOf("name")} required />
      <label for="token-role">Role</label>
      <select id="token-role" value={values.role} onChange={set("role")}>
        <option value="CALLER">CALLER: calls models through the gateway only</option>
        <option value="MEMBER">MEMBER</option>
        {props.admin && <option value="ADMIN">ADMIN</option>}
      </select>
      {props.admin && (
        <>
          <Field
            id="token-user"
            label="Owner"
            hint="A user's name (a new name makes a new user); empty: you."
            list="token-users"
            value={values.user}
            onInput={set("user")}
            error={errorOf("user")}
          />
          <datalist id="token-users">
            {props.users.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </>
      )}
      <Field
        id="token-models"
        label="Allowed models"
        hint="Endpoint names or model ids, comma-separated; empty: all it can see."
        value={values.allowedModels}
        onInput={set("allowedModels")}
        error={errorOf("allowedModels")}
      />
      <Field id="token-rpm" label="Requests a minute" type="number" value={values.requestsPerMinute} onInput={set("requestsPerMinute")} error={errorOf("requestsPerMinute")} />
      <Field id="token-tpm" label="Tokens a minute" type="number" value={values.tokensPerMinute} onInput={set("tokensPerMinute")} error={errorOf("tokensPerMinute")} />
      <Field id="token-expires" label="Expires" type="datetime-local" value={values.expiresAt} onInput={set("expiresAt")} error={errorOf("expiresAt")} />
      <FormErrors errors={errors} />
      <div class="dialog-buttons">
        <button type="submit">Create token</button>
      </div>
      {made && (
        <div role="status" class="made-token">
          <p>The new token, shown this once: store it now.</p>
          <code>{made}</code>{" "}
          <button
            type="button"
            onClick={async () => {
              await navigator.clipboard.writeText(made);
              setCopied(true);
            }}
          >
            {copied ? "Copied" : "Copy"}
          </button>{" "}
          <button type="button" onClick={() => setMade(null)}>
            Done
          </button>
        </div>
      )}
    </form>
  );
}
