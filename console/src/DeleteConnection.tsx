// Deleting a connection says first what depends on it (endpoints, workspaces, recent gateway
// traffic) and offers to move those to another connection, unlink them, or cancel.
import { useState } from "preact/hooks";
import { Options, useModal } from "./controls";
import { request, type UserError } from "./api";
import { graphql, type ResultOf } from "./graphql";

const PLAN = graphql(`
  query ConsoleDeletePlan($id: ID!) {
    connection(id: $id) {
      name callsLast24Hours
      dependents { __typename ... on Endpoint { id name } ... on Workspace { id name } }
    }
  }
`);

const DELETE = graphql(`
  mutation ConsoleDeleteConnection($id: ID!, $force: Boolean!, $reassignTo: ID) {
    deleteConnection(id: $id, force: $force, reassignTo: $reassignTo) {
      deletedId
      userErrors { field code message }
    }
  }
`);

type Plan = NonNullable<ResultOf<typeof PLAN>["connection"]>;

export function DeleteConnection(props: {
  id: string;
  name: string;
  others: { id: string; name: string }[];
  onDeleted: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [target, setTarget] = useState("");
  const [errors, setErrors] = useState<UserError[]>([]);
  const [busy, setBusy] = useState(false);

  const dialog = useModal(open, () => {
    setErrors([]);
    setPlan(null);
    request(PLAN, { id: props.id }).then((data) => setPlan(data.connection));
  });

  async function remove(force: boolean, reassignTo: string | null) {
    setBusy(true);
    try {
      const { deleteConnection: done } = await request(DELETE, { id: props.id, force, reassignTo });
      setErrors(done.userErrors);
      if (done.deletedId) {
        setOpen(false);
        props.onDeleted();
      }
    } finally {
      setBusy(false);
    }
  }

  const heading = `delete-heading-${props.id}`;
  const recent = errors.some((e) => e.code === "RECENTLY_USED");
  return (
    <>
      <button type="button" aria-label={`Delete: ${props.name}`} onClick={() => setOpen(true)}>
        Delete
      </button>
      <dialog ref={dialog} aria-labelledby={heading} onClose={() => setOpen(false)}>
        <div class="dialog-form">
          <h2 id={heading}>Delete {props.name}</h2>
          {plan === null ? (
            <p>Checking what uses it…</p>
          ) : (
            <>
              {plan.dependents.length === 0 ? (
                <p>Nothing uses this connection.</p>
              ) : (
                <>
                  <p>These use it and would lose their connection:</p>
                  <ul>
                    {plan.dependents.map((d) => (
                      <li key={d.__typename + d.name}>
                        {d.__typename === "Endpoint" ? "Endpoint" : "Workspace"} {d.name}
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {plan.callsLast24Hours > 0 && (
                <p>It served {plan.callsLast24Hours} gateway call(s) in the last 24 hours.</p>
              )}
              {errors.map((e) => (
                <p role="alert" key={e.code + e.message}>
                  {e.message}
                </p>
              ))}
              <div class="dialog-buttons">
                {plan.dependents.length > 0 && props.others.length > 0 && (
                  <>
                    <label for={`move-${props.id}`}>Move them to</label>
                    <select id={`move-${props.id}`} value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
                      <option value="">choose a connection</option>
                      <Options items={props.others} />
                    </select>
                    <button type="button" disabled={busy || !target} onClick={() => remove(recent, target)}>
                      {recent ? "Move and delete anyway" : "Move and delete"}
                    </button>
                  </>
                )}
                {plan.dependents.length > 0 || recent ? (
                  <button type="button" disabled={busy} onClick={() => remove(true, null)}>
                    {plan.dependents.length > 0 ? "Unlink and delete" : "Delete anyway"}
                  </button>
                ) : (
                  <button type="button" disabled={busy} onClick={() => remove(false, null)}>
                    Delete
                  </button>
                )}
                <button type="button" onClick={() => setOpen(false)}>
                  Cancel
                </button>
              </div>
            </>
          )}
        </div>
      </dialog>
    </>
  );
}
