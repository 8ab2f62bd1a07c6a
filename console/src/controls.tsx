// The console's two recurring controls: a modal dialog and an on/off switch.
import { useEffect, useRef } from "preact/hooks";

/** A native modal dialog shown while `open` (focus kept inside, Escape closes it through the
 * dialog's onClose); `onOpen` runs each time it opens. */
export function useModal(open: boolean, onOpen?: () => void) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (!open) {
      dialog.current?.close();
      return;
    }
    onOpen?.();
    dialog.current?.showModal();
  }, [open]);
  return dialog;
}

/** A `switch` named by `label`, or by the element `labelledBy` names. */
export function Switch(props: {
  on: boolean;
  label?: string;
  labelledBy?: string;
  disabled?: boolean;
  onFlip: () => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={props.on}
      aria-label={props.label}
      aria-labelledby={props.labelledBy}
      class={props.on ? "switch on" : "switch"}
      disabled={props.disabled}
      onClick={props.onFlip}
    >
      <span aria-hidden="true">{props.on ? "On" : "Off"}</span>
    </button>
  );
}

/** One <option> per item, by id, showing its name (connections, users, ...). */
export function Options(props: { items: { id: string; name: string }[] }) {
  return (
    <>
      {props.items.map((item) => (
        <option key={item.id} value={item.id}>
          {item.name}
        </option>
      ))}
    </>
  );
}
