// Spend: each budget as a bar (spent of its amount, when it resets), the budgets of one scope for
// the tokens and workspaces pages, and the form an admin sets a model's price with.
import { useEffect, useState } from "preact/hooks";
import { request } from "./api";
import { Field, FormErrors, useForm } from "./Field";
import { graphql, type ResultOf } from "./graphql";

const BUDGETS = graphql(`
  query ConsoleBudgets($scope: BudgetScope) {
    budgets(scope: $scope) {
      id name scope scopeId action period amountUsd amountTokens spentUsd spentTokens resetsAt
    }
  }
`);

const SET_PRICE = graphql(`
  mutation ConsoleSetModelPrice($input: SetModelPriceInput!) {
    setModelPrice(input: $input) {
      modelPrice { model inputPerMTok outputPerMTok }
      userErrors { field code message }
    }
  }
`);

export type Budget = ResultOf<typeof BUDGETS>["budgets"][number];
export type Scope = "ORGANIZATION" | "USER" | "TOKEN" | "WORKSPACE" | "ENDPOINT";

/** Dollars as the API gives them (an exact decimal string), for reading: cents, or more
 * digits for amounts below a cent. */
export function dollars(amount: string | null | undefined): string {
  if (amount === null || amount === undefined) return "";
  const value = Number(amount);
  return value !== 0 && Math.abs(value) < 0.01 ? `$${amount}` : `$${value.toFixed(2)}`;
}

/** The budgets of a scope (all when none is given), loaded once. */
export function useBudgets(scope?: Scope): Budget[] {
  const [budgets, setBudgets] = useState<Budget[]>([]);
  useEffect(() => {
    request(BUDGETS, { scope: scope ?? null }).then(
      (data) => setBudgets(data.budgets),
      () => setBudgets([]),
    );
  }, [scope]);
  return budgets;
}

/** One budget: a meter of what its period has spent, with the words a screen reader reads. */
export function BudgetBar(props: { budget: Budget }) {
  const b = props.budget;
  const inTokens = b.amountTokens !== null;
  const amount = inTokens ? (b.amountTokens ?? 0) : Number(b.amountUsd);
  const spent = inTokens ? b.spentTokens : Number(b.spentUsd);
  const percent = amount > 0 ? Math.round((spent / amount) * 100) : 0;
  const resets = new Date(b.resetsAt).toLocaleString();
  const said = inTokens
    ? `${b.spentTokens} of ${b.amountTokens} tokens spent`
    : `${dollars(b.spentUsd)} of ${dollars(b.amountUsd)} spent`;
  const text = `${said} (${percent}%), resets ${resets}`;
  return (
    <div class="budget">
      <span class="budget-name">
        {b.name} ({b.action === "REJECT" ? "rejects" : "alerts"} · {b.period.toLowerCase()})
      </span>
      <meter
        aria-label={`Budget ${b.name}`}
        aria-valuetext={text}
        min={0}
        max={100}
        low={80}
        high={99}
        optimum={0}
        value={Math.min(percent, 100)}
      />
      <span>{text}</span>
    </div>
  );
}

/** The budgets bound to one thing (a token, a workspace), or "none". */
export function BudgetsOf(props: { budgets: Budget[]; scopeId: string }) {
  const found = props.budgets.filter((b) => b.scopeId === props.scopeId);
  if (found.length === 0) return <span>none</span>;
  return (
    <>
      {found.map((b) => (
        <BudgetBar key={b.id} budget={b} />
      ))}
    </>
  );
}

/** Admins: set the price of a model (as the provider names it), USD per million tokens. */
export function PriceForm(props: { onSaved: (message: string) => void }) {
  const { values, set, setValues, setErrors, errorOf, loose } = useForm();
  const [failed, setFailed] = useState("");
  async function save(event: Event) {
    event.preventDefault();
    const optional = (name: string) => (values[name]?.trim() ? values[name].trim() : null);
    const input = {
      model: values.model?.trim() ?? "",
      inputPerMTok: values.input?.trim() ?? "",
      outputPerMTok: values.output?.trim() ?? "",
      cachedInputPerMTok: optional("cached"),
      cacheWritePerMTok: optional("write"),
    };
    let done: ResultOf<typeof SET_PRICE>["setModelPrice"];
    try {
      done = (await request(SET_PRICE, { input })).setModelPrice;
    } catch (failure) {
      setFailed(failure instanceof Error ? failure.message : String(failure)); // e.g. not a number
      return;
    }
    setFailed("");
    setErrors(done.userErrors);
    if (done.modelPrice) {
      const p = done.modelPrice;
      props.onSaved(`Price of ${p.model}: $${p.inputPerMTok} in, $${p.outputPerMTok} out per million tokens.`);
      setValues({});
    }
  }
  return (
    <form class="price-form" aria-label="Set a model price" onSubmit={save}>
      <Field id="price-model" label="Model (as the provider names it)" value={values.model} onInput={set("model")} error={errorOf("model")} required />
      <Field id="price-input" label="Input, USD per million tokens" value={values.input} onInput={set("input")} error={errorOf("inputPerMTok")} required />
      <Field id="price-output" label="Output, USD per million tokens" value={values.output} onInput={set("output")} error={errorOf("outputPerMTok")} required />
      <Field id="price-cached" label="Cached input (optional)" value={values.cached} onInput={set("cached")} error={errorOf("cachedInputPerMTok")} />
      <Field id="price-write" label="Cache write (optional)" value={values.write} onInput={set("write")} error={errorOf("cacheWritePerMTok")} />
      <FormErrors errors={loose()} />
      {failed && <p role="alert">{failed}</p>}
      <div class="dialog-buttons">
        <button type="submit">Set price</button>
      </div>
    </form>
  );
}
