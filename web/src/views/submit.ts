// Submitting: paste or upload a job or batch config (JSONC), read the engine's validation inline, submit it
// through the callable (submitJob, or submitBatch for a batch).
import { collection, getDocs } from "firebase/firestore";
import { httpsCallable } from "firebase/functions";
import type { TaskConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/config/validate-config";
import { checkConfigText, type ConfigCheck } from "../check-config";
import { fill, h } from "../dom";
import type { Session } from "./session";

/** The batch engine's callable (issue 11): `{ batch: <config> }` -> `{ batch_id }`. */
export const SUBMIT_BATCH_FUNCTION = "submitBatch";
const CHECK_DELAY_MS = 250;

export function renderSubmit(root: HTMLElement, session: Session): () => void {
  const { db, functions } = session.backend;
  const area = h("textarea", {
    id: "config-text",
    name: "config",
    rows: 18,
    spellcheck: "false",
    "aria-describedby": "config-help config-issues",
  });
  const file = h("input", { id: "config-file", type: "file", accept: ".json,.jsonc,application/json" });
  const kind = h("p", { id: "config-kind", class: "hint" });
  const issuesList = h("ul", { id: "config-issues", class: "issues", "aria-live": "polite" });
  const result = h("div", { id: "submit-result", role: "status" });
  const submit = h("button", { type: "submit", class: "primary", id: "submit-config" }, "Submit");
  let library = new Map<string, TaskConfig>();
  let check: ConfigCheck = { kind: "job", issues: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;

  const showIssues = (lines: string[], title: string) => {
    fill(
      issuesList,
      lines.map((line) => h("li", { class: "error" }, line)),
    );
    issuesList.setAttribute("aria-label", title);
  };
  const runCheck = () => {
    if (!area.value.trim()) {
      kind.textContent = "";
      issuesList.replaceChildren();
      return;
    }
    check = checkConfigText(area.value, library);
    kind.textContent = check.issues.length
      ? `A ${check.kind} config with ${check.issues.length} problem${check.issues.length === 1 ? "" : "s"}:`
      : `A ${check.kind} config: no problems found.`;
    showIssues(
      check.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)),
      "Problems in the config",
    );
  };
  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(runCheck, CHECK_DELAY_MS);
  });
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    area.value = await chosen.text();
    runCheck();
  });

  const onSubmit = async (event: Event) => {
    event.preventDefault();
    clearTimeout(timer);
    runCheck();
    if (!check.value || check.issues.length) {
      result.textContent = "Fix the problems listed above, then submit again.";
      return;
    }
    submit.disabled = true;
    result.textContent = "Submitting…";
    try {
      if (check.kind === "job") {
        const { data } = await httpsCallable<{ job: unknown }, { job_id: string }>(functions, "submitJob")({ job: check.value });
        location.hash = `#/job/${encodeURIComponent(data.job_id)}`;
      } else {
        const { data } = await httpsCallable<{ batch: unknown }, { batch_id: string }>(
          functions,
          SUBMIT_BATCH_FUNCTION,
        )({ batch: check.value });
        location.hash = `#/batch/${encodeURIComponent(data.batch_id)}`;
      }
    } catch (error) {
      // The callables refuse with a first line, then one `path: message` line per problem.
      const message = error instanceof Error ? error.message : String(error);
      const [first = "", ...lines] = message.split("\n");
      result.textContent = `Refused: ${first}`;
      if (lines.length) showIssues(lines, "Problems the server found");
    } finally {
      submit.disabled = false;
    }
  };

  root.append(
    h("h1", {}, "Submit a job or a batch"),
    h(
      "form",
      { class: "submit-form", onsubmit: onSubmit },
      h("label", { for: "config-text" }, "Config (JSONC: comments and trailing commas allowed)"),
      h(
        "p",
        { id: "config-help", class: "hint" },
        "A job config has a task_config; a batch config has a job template and rows (or a grid). It is checked as you type.",
      ),
      area,
      h("label", { for: "config-file" }, "Or upload a file"),
      file,
      kind,
      issuesList,
      submit,
      result,
    ),
  );
  // The task_configs library, so that a next_task naming a library task is accepted here as the callable accepts it.
  let stopped = false;
  getDocs(collection(db, "task_configs"))
    .then((snap) => {
      if (stopped) return;
      library = new Map(
        snap.docs.flatMap((d) => {
          const parsed = parseConfig("task", d.data());
          return parsed.ok ? [[d.id, parsed.value] as const] : [];
        }),
      );
      if (area.value.trim()) runCheck();
    })
    .catch(() => undefined);
  area.focus();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
