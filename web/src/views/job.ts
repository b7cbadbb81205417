// A job: its figures, its chain of tasks (status, latency, tokens, cost), and for each step the interpolated
// prompts and the response, collapsed until asked for; errors as `path: message`. Live as tasks end.
import { collection, doc, getDoc, onSnapshot, query, where, type Unsubscribe } from "firebase/firestore";
import { fill, h, statusBadge } from "../dom";
import { formatCount, formatDuration, formatUsd } from "../format";
import {
  errorLines,
  outputRefOf,
  readJob,
  readOutput,
  readTask,
  type JobView,
  type OutputView,
  type RunError,
  type StepView,
  type TaskView,
} from "../records";
import { createReferencedOutputs, type ReferencedOutputs } from "../referenced-outputs";
import { figure } from "./batch-progress";
import { createLoggedRows, type LoggedRows } from "./logged-rows";
import { cancelControl, type CancelControl } from "./cancel-control";
import type { Session } from "./session";

/** Job statuses a cancel applies to (shared/pipeline/cancel-job.ts). */
const UNENDED = ["pending", "queued", "running"];

/** The view's state and the elements drawn from it, handed to each part below. */
interface JobPage {
  session: Session;
  jobId: string;
  crumbs: HTMLElement;
  title: HTMLElement;
  cancel: CancelControl;
  summary: HTMLElement;
  chain: HTMLTableElement;
  steps: HTMLElement;
  /** The run whose tasks are shown: a job started again gets a new run, whose tasks replace the last run's. */
  runId?: string;
  stopTasks?: Unsubscribe;
  tasks: Map<string, TaskView>;
  outputs: Map<string, OutputView>;
  /** Each task's section and what it was drawn from, so that only a task that changed is drawn again. */
  sections: Map<string, { key: string; el: HTMLElement }>;
  /** Which steps a person opened: kept when a section is drawn again. */
  open: Set<string>;
  /** The tasks whose output has been asked for: each is read once. */
  asked: Set<string>;
  /** Reads still under way when the view is left must not draw into it. */
  stopped: boolean;
  /** The job as last read, drawn again once an output too large for it has been read from outputs/. */
  jobData?: Record<string, unknown>;
  referenced: ReferencedOutputs;
  /** The rows the run's firestore_log steps wrote, read with the user's own permissions. */
  rows: LoggedRows;
}

export function renderJob(root: HTMLElement, session: Session, jobId: string): () => void {
  const page = createPage(session, jobId);
  root.append(
    page.crumbs,
    page.title,
    page.cancel.el,
    page.summary,
    h("h2", { id: "chain-title" }, "Tasks"),
    h("div", { class: "table-scroll", role: "region", "aria-labelledby": "chain-title", tabindex: 0 }, page.chain),
    page.steps,
    page.rows.el,
  );
  const stopJob = followJob(page);
  return () => {
    page.stopped = true;
    stopJob();
    page.stopTasks?.();
  };
}

function createPage(session: Session, jobId: string): JobPage {
  const page: JobPage = {
    session,
    jobId,
    crumbs: h("p", { class: "breadcrumb" }, h("a", { href: "#/batches" }, "Batches"), " / ", `job ${jobId}`),
    title: h("h1", {}, `Job ${jobId}`),
    cancel: cancelControl(session, "job", jobId),
    summary: h("div", { class: "job-summary" }, h("p", {}, "Loading…")),
    chain: h("table", { class: "chain" }),
    steps: h("div", { class: "task-sections" }),
    tasks: new Map(),
    outputs: new Map(),
    sections: new Map(),
    open: new Set(),
    asked: new Set(),
    stopped: false,
    rows: createLoggedRows(session.backend.db),
    referenced: createReferencedOutputs(session.backend.db, () => {
      const { jobData } = page;
      if (!page.stopped && jobData) renderJobSummary(page, readJob(jobId, jobData, page.referenced.get(outputRefOf(jobData))));
    }),
  };
  return page;
}

function followJob(page: JobPage): Unsubscribe {
  const { jobId, summary } = page;
  return onSnapshot(
    doc(page.session.backend.db, "jobs", jobId),
    (snap) => {
      if (!snap.exists()) return fill(summary, h("p", { role: "alert" }, `There is no job ${jobId}.`));
      const jobData = snap.data();
      page.jobData = jobData;
      const job = readJob(snap.id, jobData, page.referenced.get(outputRefOf(jobData)));
      renderJobSummary(page, job);
      page.referenced.request([job.outputRef]);
      if (job.runId) followRun(page, job.runId);
    },
    (error) => fill(summary, h("p", { role: "alert", class: "error" }, `Could not read job ${jobId}: ${error.message}`)),
  );
}

function renderJobSummary(page: JobPage, job: JobView): void {
  const { jobId, referenced } = page;
  page.title.replaceChildren(`Job ${jobId} `, statusBadge(job.status));
  page.cancel.update(job.ownerUid === page.session.uid && UNENDED.includes(job.status));
  if (job.batchId) {
    fill(
      page.crumbs,
      h("a", { href: "#/batches" }, "Batches"),
      " / ",
      h("a", { href: `#/batch/${encodeURIComponent(job.batchId)}` }, `batch ${job.batchId}`),
      " / ",
      `job ${jobId}`,
    );
  }
  fill(
    page.summary,
    jobFigures(job),
    job.error ? errorBlock(job.error, "Why the job failed") : null,
    Object.keys(job.outputs).length
      ? h("details", { class: "job-output" }, h("summary", {}, "Job output"), payloadList(job.outputs))
      : null,
    referenced.failure(job.outputRef) ? h("p", { role: "alert", class: "error" }, referenced.failure(job.outputRef)) : null,
  );
}

function jobFigures(job: JobView): HTMLElement {
  return h(
    "dl",
    { class: "figures" },
    figure("Run", job.runId ?? "not started", "run"),
    figure("Tasks done", `${job.tasksDone}${job.chainLength ? ` of ${job.chainLength}` : ""}`, "tasks-done"),
    figure("Latency", formatDuration(job.latencyMs), "latency"),
    figure("Tokens", formatCount(job.usage?.total_tokens), "tokens"),
    figure("Cost", formatUsd(job.costUsd), "cost"),
    // Provider batch mode: beside what the run cost, what the same calls would have cost synchronously.
    job.standardCostUsd !== undefined ? figure("Synchronously", formatUsd(job.standardCostUsd), "standard-cost") : null,
    job.cachedSteps ? figure("Cached steps", formatCount(job.cachedSteps), "cached-steps") : null,
  );
}

/** Follows the tasks of the job's current run, dropping those of the run before. */
function followRun(page: JobPage, id: string): void {
  if (page.runId === id) return;
  page.runId = id;
  page.stopTasks?.();
  page.tasks.clear();
  page.outputs.clear();
  page.asked.clear();
  page.sections.clear();
  page.steps.replaceChildren();
  page.rows.clear();
  const { session, jobId } = page;
  const taskDocs = collection(session.backend.db, "tasks");
  const mine = session.admin ? [] : [where("owner_uid", "==", session.uid)];
  page.stopTasks = onSnapshot(
    query(taskDocs, where("job_id", "==", jobId), where("run_id", "==", id), ...mine),
    (snap) => {
      for (const d of snap.docs) updateTask(page, readTask(d.id, d.data()));
      renderChain(page);
    },
    (error) => fill(page.steps, h("p", { role: "alert", class: "error" }, `Could not read the job's tasks: ${error.message}`)),
  );
}

/** Keeps a task as read now, says aloud when it has just ended, and reads its output once it has. */
function updateTask(page: JobPage, task: TaskView): void {
  const before = page.tasks.get(task.docId);
  if (before && before.status !== task.status && (task.status === "success" || task.status === "failed"))
    page.session.announce(`Task ${task.taskId}: ${task.status}`);
  page.tasks.set(task.docId, task);
  void fetchOutput(page, task);
}

async function fetchOutput(page: JobPage, task: TaskView): Promise<void> {
  // The output document is written in the commit that ends the task; before that the rules cannot read it.
  if (page.asked.has(task.docId) || (task.status !== "success" && task.status !== "failed")) return;
  page.asked.add(task.docId);
  const snap = await getDoc(doc(page.session.backend.db, "outputs", task.docId)).catch(() => undefined);
  if (page.stopped || !snap?.exists()) return;
  page.outputs.set(task.docId, readOutput(snap.data()));
  renderChain(page);
}

function renderChain(page: JobPage): void {
  const ordered = [...page.tasks.values()].sort((a, b) => a.hop - b.hop);
  fill(
    page.chain,
    h("caption", {}, `Tasks of run ${page.runId ?? ""}, in chain order`),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Hop", "Task", "Status", "Latency", "Tokens", "Cost"].map((c) => h("th", { scope: "col" }, c)),
      ),
    ),
    h(
      "tbody",
      {},
      ordered.map((task) => chainRow(task)),
    ),
  );
  renderTaskSections(page, ordered);
  page.rows.render(ordered, page.outputs);
}

function chainRow(task: TaskView): HTMLElement {
  return h(
    "tr",
    { "data-task": task.docId },
    h("td", {}, task.hop),
    h("th", { scope: "row" }, h("a", { href: `#task-${cssId(task.docId)}`, onclick: (e: Event) => jumpTo(e, task.docId) }, task.taskId)),
    h("td", {}, statusBadge(task.status), task.status === "waiting" ? h("span", { class: "waiting-note" }, ` ${waitingNote(task)}`) : null),
    h("td", {}, formatDuration(task.latencyMs)),
    h("td", {}, formatCount(task.usage?.total_tokens)),
    h("td", {}, costWithStandard(task.costUsd, task.standardCostUsd)),
  );
}

/** `for a vendor batch, since 12:01 (3 min 05 s)`: a waiting task has not ended, it waits for its model call's answer. */
function waitingNote(task: TaskView, now = Date.now()): string {
  if (task.waitingSinceMs === undefined) return "for a vendor batch";
  const clock = new Date(task.waitingSinceMs).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return `for a vendor batch, since ${clock} (${formatDuration(now - task.waitingSinceMs)})`;
}

/** `$0.62 (synchronously $1.24)` for calls paid through a vendor's batch API; else the cost alone. */
function costWithStandard(usd: number | undefined, standardUsd: number | undefined): string {
  return standardUsd === undefined ? formatUsd(usd) : `${formatUsd(usd)} (synchronously ${formatUsd(standardUsd)})`;
}

/** Draws again only the sections whose task or output changed, so that a section being read does not jump. */
function renderTaskSections(page: JobPage, ordered: TaskView[]): void {
  for (const task of ordered) {
    const output = page.outputs.get(task.docId);
    const key = JSON.stringify([task, output ? true : false]);
    const existing = page.sections.get(task.docId);
    if (existing?.key === key) continue;
    const el = taskSection(task, output, page.open);
    if (existing) existing.el.replaceWith(el);
    else page.steps.append(el);
    page.sections.set(task.docId, { key, el });
  }
}

const cssId = (docId: string) => docId.replace(/[^A-Za-z0-9_-]/g, "_");

function jumpTo(event: Event, docId: string) {
  // In-page links would change the hash, which names the view.
  event.preventDefault();
  const section = document.getElementById(`task-${cssId(docId)}`);
  section?.scrollIntoView();
  section?.focus();
}

function taskSection(task: TaskView, output: OutputView | undefined, open: Set<string>): HTMLElement {
  const headingId = `task-title-${cssId(task.docId)}`;
  const body: HTMLElement[] = [];
  if (task.error) body.push(errorBlock(task.error, "Why the task failed"));
  if (!output)
    body.push(
      h(
        "p",
        { class: "hint" },
        task.status === "success" || task.status === "failed"
          ? "Loading its steps…"
          : task.status === "waiting"
            ? `The task is waiting ${waitingNote(task)}: provider batch mode sends its model call through the vendor's batch API, which answers in minutes to 24 h. Its steps show when it ends.`
            : `The task is ${task.status}: its steps show when it ends.`,
      ),
    );
  else body.push(...output.steps.map((step, i) => stepDetails(task, step, i, open)));
  return h(
    "section",
    { class: "task card", id: `task-${cssId(task.docId)}`, tabindex: -1, "aria-labelledby": headingId, "data-task": task.docId },
    h("h3", { id: headingId }, `Hop ${task.hop}: ${task.taskId} `, statusBadge(task.status)),
    body,
  );
}

function stepDetails(task: TaskView, step: StepView, index: number, open: Set<string>): HTMLElement {
  const key = `${task.docId}#${index}`;
  const what = step.stepType === "function_call" ? (step.functionName ?? "function") : (step.model ?? "model");
  const details = h(
    "details",
    { class: "step", "data-step": step.stepId, open: open.has(key) },
    h(
      "summary",
      {},
      h("span", { class: "step-name" }, `Step ${step.name || step.stepId}`),
      " ",
      statusBadge(step.status),
      step.cached ? [" ", h("span", { class: "badge cached" }, "cached")] : null,
      h("span", { class: "step-meta" }, ` ${what} · ${stepFigures(step)}`),
    ),
    step.error ? errorBlock(step.error, "Error") : null,
    step.warnings.length
      ? h(
          "ul",
          { class: "warnings", "aria-label": "Warnings" },
          step.warnings.map((w) => h("li", {}, w)),
        )
      : null,
    step.stepType === "function_call"
      ? text("Request", step.request, step.truncated?.request)
      : [
          text("System prompt", step.systemPrompt, step.truncated?.system_prompt),
          text("User prompt", step.userPrompt, step.truncated?.user_prompt),
        ],
    text("Response", step.response ?? undefined, step.truncated?.response),
  );
  details.addEventListener("toggle", () => (details.open ? open.add(key) : open.delete(key)));
  return details;
}

/** A cached step made no call: its zero tokens and cost are said as such, not left as "—". */
function stepFigures(step: StepView): string {
  if (step.cached) return `from the response store · ${formatDuration(step.latencyMs)} · 0 tokens · $0`;
  const billing = step.batchBilled ? " · vendor batch" : "";
  return `${formatDuration(step.latencyMs)} · ${formatCount(step.usage?.total_tokens)} tokens · ${costWithStandard(step.costUsd, step.standardCostUsd)}${billing}`;
}

function text(label: string, value: string | undefined, fullLength: number | undefined): HTMLElement {
  return h(
    "div",
    { class: "text-block", "data-text": label.toLowerCase().replace(/ /g, "-") },
    h("h4", {}, label),
    value === undefined || value === "" ? h("p", { class: "hint" }, "(empty)") : h("pre", {}, value),
    fullLength
      ? h(
          "p",
          { class: "hint" },
          `Cut to fit a Firestore document: the full text had ${formatCount(fullLength)} characters (in outputs/…/overflow).`,
        )
      : null,
  );
}

function errorBlock(error: RunError, label: string): HTMLElement {
  return h(
    "div",
    { class: "error-block", role: "group", "aria-label": label },
    h("p", { class: "error-code" }, `${label}: ${error.code}`),
    h(
      "ul",
      {},
      errorLines(error).map((line) => h("li", { class: "error" }, line)),
    ),
  );
}

function payloadList(payload: Record<string, string>): HTMLElement {
  return h(
    "dl",
    { class: "payload" },
    Object.entries(payload).map(([k, v]) => [h("dt", {}, k), h("dd", {}, h("pre", {}, v))]),
  );
}
