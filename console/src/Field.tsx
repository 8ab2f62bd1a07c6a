// The console's forms: a labelled input with its hint and its userError (tied to it for screen
// readers), a form's state, the custom-headers editor, and the userErrors no field shows.
import { useState } from "preact/hooks";
import type { UserError } from "./api";
import { fieldPath, type HeaderRow } from "./forms";

export function Field(props: {
  id: string; // unique in the page: the input's id, and its hint's and error's
  label: string;
  value: string | undefined;
  onInput: (event: Event) => void;
  error?: string;
  hint?: string;
  type?: string;
  placeholder?: string;
  required?: boolean;
  list?: string; // a datalist's id: suggestions
}) {
  const id = props.id;
  const described = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? "text"}
        autocomplete="off"
        value={props.value ?? ""}
        onInput={props.onInput}
        placeholder={props.placeholder}
        required={props.required}
        list={props.list}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described || undefined}
      />
      {props.hint && (
        <span id={`${id}-hint`} class="hint">
          {props.hint}
        </span>
      )}
      {props.error && (
        <span id={`${id}-error`} class="field-error">
          {props.error}
        </span>
      )}
    </>
  );
}

/** A form's values by name and its userErrors. `errorOf(path)` gives the error of the field at
 * that path ("baseUrl", "config.apiVersion", "customHeaders.0.value") and claims the path;
 * `loose()`, called after the fields in a render, gives the errors no shown field claimed. */
export function useForm(initial: Record<string, string> = {}) {
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<UserError[]>([]);
  const claimed: string[] = []; // fresh each render: the fields this render shows
  const set = (name: string) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    setValues((current) => ({ ...current, [name]: value }));
  };
  const errorOf = (path: string) => {
    claimed.push(path);
    return errors.find((e) => fieldPath(e) === path)?.message;
  };
  const loose = () => errors.filter((e) => !claimed.includes(fieldPath(e)));
  return { values, setValues, set, errors, setErrors, errorOf, loose };
}

/** The userErrors that no field of the form shows: above its buttons. */
export function FormErrors(props: { errors: UserError[] }) {
  return (
    <>
      {props.errors.map((e) => (
        <p role="alert" key={e.code + e.message}>
          {e.message}
        </p>
      ))}
    </>
  );
}

/** Custom headers sent with every provider call. A stored value is never shown: its row says
 * the value's hint, and leaving the value empty keeps it. */
export function HeadersField(props: {
  id: string;
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  errorOf: (path: string) => string | undefined;
}) {
  const change = (index: number, patch: Partial<HeaderRow>) =>
    props.onChange(props.rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  const text = (event: Event) => (event.currentTarget as HTMLInputElement).value;
  const all = props.errorOf("customHeaders");
  return (
    <fieldset class="headers">
      <legend>Custom headers</legend>
      {props.rows.map((row, index) => {
        const n = index + 1;
        return (
          <div class="header-row" key={index}>
            <Field
              id={`${props.id}-${index}-name`}
              label={`Header ${n} name`}
              value={row.name}
              onInput={(e) => change(index, { name: text(e) })}
              error={props.errorOf(`customHeaders.${index}.name`)}
            />
            <Field
              id={`${props.id}-${index}-value`}
              label={`Header ${n} value`}
              type="password"
              hint={row.valueHint ? `Stored: ${row.valueHint}. Leave empty to keep it.` : undefined}
              value={row.value}
              onInput={(e) => change(index, { value: text(e) })}
              error={props.errorOf(`customHeaders.${index}.value`)}
            />
            <button type="button" onClick={() => props.onChange(props.rows.filter((_, i) => i !== index))}>
              Remove header {n}
            </button>
          </div>
        );
      })}
      {all && <p class="field-error">{all}</p>}
      <button type="button" onClick={() => props.onChange([...props.rows, { name: "", value: "" }])}>
        Add header
      </button>
    </fieldset>
  );
}
