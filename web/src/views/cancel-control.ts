// The Cancel button of a job or a batch the signed-in user owns: it calls the owner-checked callable (cancelJob,
// cancelBatch) after a confirmation, and says what happened; the view's live snapshot then shows the new status.
import { httpsCallable } from "firebase/functions";
import { h } from "../dom";
import type { Session } from "./session";

export interface CancelControl {
  el: HTMLElement;
  /** Shows the button while the user owns the job or batch and it has not ended. */
  update(cancellable: boolean): void;
}

const CALLABLE = { job: "cancelJob", batch: "cancelBatch" } as const;

export function cancelControl(session: Session, what: "job" | "batch", id: string): CancelControl {
  const result = h("p", { class: "cancel-result", role: "status" });
  const button = h("button", { type: "button", class: "cancel", id: `cancel-${what}` }, `Cancel ${what}`);
  const el = h("div", { class: "cancel-control", hidden: true }, button, result);
  button.addEventListener("click", () => {
    const consequence = what === "job" ? "Its task in flight finishes; nothing runs after it." : "Rows not yet started never run.";
    if (!window.confirm(`Cancel ${what} ${id}? ${consequence}`)) return;
    button.disabled = true;
    result.textContent = "Cancelling…";
    const request = what === "job" ? { job_id: id } : { batch_id: id };
    httpsCallable(
      session.backend.functions,
      CALLABLE[what],
    )(request)
      .then(() => {
        result.textContent = `The ${what} is cancelled.`;
        session.announce(`${what} ${id} cancelled`);
      })
      .catch((error: unknown) => {
        button.disabled = false;
        result.textContent = `Could not cancel: ${error instanceof Error ? error.message : String(error)}`;
      });
  });
  return {
    el,
    update(cancellable) {
      // Kept on screen after a cancel, so that its result can be read; hidden again only when it never applied.
      if (cancellable) el.hidden = false;
      else if (!result.textContent) el.hidden = true;
      if (!cancellable) button.disabled = true;
    },
  };
}
