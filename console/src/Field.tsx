// A labelled input with its hint and its userError, tied to it for screen readers.
import { useState } from "preact/hooks";
import type { UserError } from "./api";
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

/** A form's values by name, its userErrors, and each field's own error (the last element of
 * the error's path names the field: ["input", "baseUrl"] is baseUrl's). */
export function useForm(initial: Record<string, string> = {}) {
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<UserError[]>([]);
  const set = (name: string) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    setValues((current) => ({ ...current, [name]: value }));
  };
  const errorOf = (name: string) => errors.find((e) => e.field?.[e.field.length - 1] === name)?.message;
  return { values, setValues, set, errors, setErrors, errorOf };
}

/** The userErrors that name no field of the form (or a conflict): shown above its buttons. */
export function FormErrors(props: { errors: UserError[] }) {
  const loose = props.errors.filter((e) => !e.field || e.field.length < 2 || e.code === "VERSION_CONFLICT");
  return (
    <>
      {loose.map((e) => (
        <p role="alert" key={e.code + e.message}>
          {e.message}
        </p>
      ))}
    </>
  );
}
