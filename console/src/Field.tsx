// A labelled input with its hint and its userError, tied to it for screen readers.
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
