// A Delete button that asks first, in a dialog with a heading (not the browser's confirm()).
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useModal } from "./controls";

export function ConfirmDelete(props: { name: string; children: ComponentChildren; onConfirm: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const dialog = useModal(open);
  const heading = `confirm-${props.name.replace(/\W+/g, "-")}`;

  return (
    <>
      <button type="button" aria-label={`Delete: ${props.name}`} onClick={() => setOpen(true)}>
        Delete
      </button>
      <dialog ref={dialog} aria-labelledby={heading} onClose={() => setOpen(false)}>
        <div class="dialog-form">
          <h2 id={heading}>Delete {props.name}</h2>
          <p>{props.children}</p>
          <div class="dialog-buttons">
            <button
              type="button"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                try {
                  await props.onConfirm();
                } finally {
                  setBusy(false);
                  setOpen(false);
                }
              }}
            >
              Delete
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </div>
      </dialog>
    </>
  );
}
