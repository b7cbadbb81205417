// Submitting: paste or upload a job or batch config (JSONC), read the engine's validation inline, submit it
// through the callable (submitJob, or submitBatch for a batch).
import { collection, getDocs } from "firebase/firestore";
import { httpsCallable, type Functions } from "firebase/functions";
import type { TaskConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import { checkConfigText, type ConfigCheck, type ConfigKind } from "../check-config";
import { fill, h } from "../dom";
import type { Session } from "./session";

/** The batch engine's callable (issue 11): `{ batch: <config> }` -> `{ batch_id }`. */
export const SUBMIT_BATCH_FUNCTION = "submitBatch";
const CHECK_DELAY_MS = 250;

/** The view's state and the elements drawn from it, handed to each part below. */
interface SubmitPage {
  session: Session;
  area: HTMLTextAreaElement;
  file: HTMLInputElement;
  kind: HTMLElement;
  issuesList: HTMLElement;
  result: HTMLElement;
  submit: HTMLButtonElement;
  /** The task_configs library, so that a next_task naming a library task is accepted here as the callable accepts it. */
  library: Map<string, TaskConfig>;
  check: ConfigCheck;
  /** The check waiting for a pause in typing. */
  timer?: ReturnType<typeof setTimeout>;
  /** The library may arrive after the view is left. */
  stopped: boolean;
}

export function renderSubmit(root: HTMLElement, session: Session): () => void {
  const page = createPage(session);
  checkAsTyped(page);
  root.append(h("h1", {}, "Submit a job or a batch"), submitForm(page));
  loadLibrary(page);
  page.area.focus();
  return () => {
    page.stopped = true;
    clearTimeout(page.timer);
  };
}

function createPage(session: Session): SubmitPage {
  return {
    session,
    area: h("textarea", {
      id: "config-text",
      name: "config",
      rows: 18,
      spellcheck: "false",
      "aria-describedby": "config-help config-issues",
    }),
    file: h("input", { id: "config-file", type: "file", accept: ".json,.jsonc,application/json" }),
    kind: h("p", { id: "config-kind", class: "hint" }),
    issuesList: h("ul", { id: "config-issues", class: "issues", "aria-live": "polite" }),
    result: h("div", { id: "submit-result", role: "status" }),
    submit: h("button", { type: "submit", class: "primary", id: "submit-config" }, "Submit"),
    library: new Map(),
    check: { kind: "job", issues: [] },
    stopped: false,
  };
}

function submitForm(page: SubmitPage): HTMLElement {
  return h(
    "form",
    { class: "submit-form", onsubmit: (event: Event) => onSubmit(page, event) },
    h("label", { for: "config-text" }, "Config (JSONC: comments and trailing commas allowed)"),
    h(
      "p",
      { id: "config-help", class: "hint" },
      "A job config has a task_config; a batch config has a job template and rows (or a grid). It is checked as you type.",
    ),
    page.area,
    h("label", { for: "config-file" }, "Or upload a file"),
    page.file,
    page.kind,
    page.issuesList,
    page.submit,
    page.result,
  );
}

/** Checks the text once typing pauses, and at once when a file is chosen. */
function checkAsTyped(page: SubmitPage): void {
  const { area, file } = page;
  area.addEventListener("input", () => {
    clearTimeout(page.timer);
    page.timer = setTimeout(() => runCheck(page), CHECK_DELAY_MS);
  });
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    void chosen.text().then((text) => {
      area.value = text;
      runCheck(page);
    });
  });
}

function runCheck(page: SubmitPage): void {
  const { area, kind } = page;
  if (!area.value.trim()) {
    kind.textContent = "";
    page.issuesList.replaceChildren();
    return;
  }
  const check = checkConfigText(area.value, page.library);
  page.check = check;
  kind.textContent = check.issues.length
    ? `A ${check.kind} config with ${check.issues.length} problem${check.issues.length === 1 ? "" : "s"}:`
    : `A ${check.kind} config: no problems found.`;
  showIssues(
    page,
    check.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)),
    "Problems in the config",
  );
}

function showIssues(page: SubmitPage, lines: string[], title: string): void {
  fill(
    page.issuesList,
    lines.map((line) => h("li", { class: "error" }, line)),
  );
  page.issuesList.setAttribute("aria-label", title);
}

async function onSubmit(page: SubmitPage, event: Event): Promise<void> {
  event.preventDefault();
  clearTimeout(page.timer);
  runCheck(page);
  const { check, result, submit } = page;
  if (!check.value || check.issues.length) {
    result.textContent = "Fix the problems listed above, then submit again.";
    return;
  }
  submit.disabled = true;
  result.textContent = "Submitting…";
  try {
    location.hash = await submitConfig(page.session.backend.functions, check.kind, check.value);
  } catch (error) {
    showRefusal(page, error);
  } finally {
    submit.disabled = false;
  }
}

/** Calls the callable for the config's kind; the address of the view of what it created. */
async function submitConfig(functions: Functions, kind: ConfigKind, config: Record<string, unknown>): Promise<string> {
  if (kind === "job") {
    const { data } = await httpsCallable<{ job: unknown }, { job_id: string }>(functions, "submitJob")({ job: config });
    return `#/job/${encodeURIComponent(data.job_id)}`;
  }
  const { data } = await httpsCallable<{ batch: unknown }, { batch_id: string }>(functions, SUBMIT_BATCH_FUNCTION)({ batch: config });
  return `#/batch/${encodeURIComponent(data.batch_id)}`;
}

function showRefusal(page: SubmitPage, error: unknown): void {
  // The callables refuse with a first line, then one `path: message` line per problem.
  const message = error instanceof Error ? error.message : String(error);
  const [first = "", ...lines] = message.split("\n");
  // Signed in, yet unauthenticated: the functions enforce App Check and this page, built without a site key, sends no token.
  const noAppCheck =
    (error as { code?: unknown }).code === "functions/unauthenticated" && page.session.backend.appCheck.kind === "none"
      ? " (the functions enforce App Check, and this page was built without VITE_APP_CHECK_SITE_KEY: rebuild it with the key)"
      : "";
  page.result.textContent = `Refused: ${first}${noAppCheck}`;
  if (lines.length) showIssues(page, lines, "Problems the server found");
}

function loadLibrary(page: SubmitPage): void {
  getDocs(collection(page.session.backend.db, "task_configs"))
    .then((snap) => {
      if (page.stopped) return;
      page.library = new Map(
        snap.docs.flatMap((d) => {
          const parsed = parseConfig("task", d.data());
          return parsed.ok ? [[d.id, parsed.value] as const] : [];
        }),
      );
      if (page.area.value.trim()) runCheck(page);
    })
    .catch(() => undefined);
}
