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
import { createReferencedOutputs } from "../referenced-outputs";
import { figure } from "./batch-progress";
import type { Session } from "./session";

export function renderJob(root: HTMLElement, session: Session, jobId: string): () => void {
  const { db } = session.backend;
  const crumbs = h("p", { class: "breadcrumb" }, h("a", { href: "#/batches" }, "Batches"), " / ", `job ${jobId}`);
  const title = h("h1", {}, `Job ${jobId}`);
  const summary = h("div", { class: "job-summary" }, h("p", {}, "Loading…"));
  const chain = h("table", { class: "chain" });
  const steps = h("div", { class: "task-sections" });
  root.append(
    crumbs,
    title,
    summary,
    h("h2", { id: "chain-title" }, "Tasks"),
    h("div", { class: "table-scroll", role: "region", "aria-labelledby": "chain-title", tabindex: 0 }, chain),
    steps,
  );

  let runId: string | undefined;
  let stopTasks: Unsubscribe | undefined;
  const tasks = new Map<string, TaskView>();
  const outputs = new Map<string, OutputView>();
  const sections = new Map<string, { key: string; el: HTMLElement }>();
  /** Which steps a person opened: kept when a section is drawn again. */
  const open = new Set<string>();
  const asked = new Set<string>();
  let stopped = false;

  /** The job as last read, drawn again once an output too large for it has been read from outputs/. */
  let jobData: Record<string, unknown> | undefined;
  const referenced = createReferencedOutputs(db, () => {
    if (!stopped && jobData) renderJobSummary(readJob(jobId, jobData, referenced.get(outputRefOf(jobData))));
  });

  const renderJobSummary = (job: JobView) => {
    title.replaceChildren(`Job ${jobId} `, statusBadge(job.status));
    if (job.batchId) {
      fill(
        crumbs,
        h("a", { href: "#/batches" }, "Batches"),
        " / ",
        h("a", { href: `#/batch/${encodeURIComponent(job.batchId)}` }, `batch ${job.batchId}`),
        " / ",
        `job ${jobId}`,
      );
    }
    fill(
      summary,
      h(
        "dl",
        { class: "figures" },
        figure("Run", job.runId ?? "not started", "run"),
        figure("Tasks done", `${job.tasksDone}${job.chainLength ? ` of ${job.chainLength}` : ""}`, "tasks-done"),
        figure("Latency", formatDuration(job.latencyMs), "latency"),
        figure("Tokens", formatCount(job.usage?.total_tokens), "tokens"),
        figure("Cost", formatUsd(job.costUsd), "cost"),
      ),
      job.error ? errorBlock(job.error, "Why the job failed") : null,
      Object.keys(job.outputs).length
        ? h("details", { class: "job-output" }, h("summary", {}, "Job output"), payloadList(job.outputs))
        : null,
      referenced.failure(job.outputRef) ? h("p", { role: "alert", class: "error" }, referenced.failure(job.outputRef)) : null,
    );
  };

  const renderChain = () => {
    const ordered = [...tasks.values()].sort((a, b) => a.hop - b.hop);
    fill(
      chain,
      h("caption", {}, `Tasks of run ${runId ?? ""}, in chain order`),
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
        ordered.map((t) =>
          h(
            "tr",
            { "data-task": t.docId },
            h("td", {}, t.hop),
            h("th", { scope: "row" }, h("a", { href: `#task-${cssId(t.docId)}`, onclick: (e: Event) => jumpTo(e, t.docId) }, t.taskId)),
            h("td", {}, statusBadge(t.status)),
            h("td", {}, formatDuration(t.latencyMs)),
            h("td", {}, formatCount(t.usage?.total_tokens)),
            h("td", {}, formatUsd(t.costUsd)),
          ),
        ),
      ),
    );
    for (const t of ordered) {
      const output = outputs.get(t.docId);
      const key = JSON.stringify([t, output ? true : false]);
      const existing = sections.get(t.docId);
      if (existing?.key === key) continue;
      const el = taskSection(t, output, open);
      if (existing) existing.el.replaceWith(el);
      else steps.append(el);
      sections.set(t.docId, { key, el });
    }
  };

  const fetchOutput = async (task: TaskView) => {
    // The output document is written in the commit that ends the task; before that the rules cannot read it.
    if (asked.has(task.docId) || (task.status !== "success" && task.status !== "failed")) return;
    asked.add(task.docId);
    const snap = await getDoc(doc(db, "outputs", task.docId)).catch(() => undefined);
    if (stopped || !snap?.exists()) return;
    outputs.set(task.docId, readOutput(snap.data()));
    renderChain();
  };

  const followRun = (id: string) => {
    if (runId === id) return;
    runId = id;
    stopTasks?.();
    tasks.clear();
    outputs.clear();
    asked.clear();
    sections.clear();
    steps.replaceChildren();
    const taskDocs = collection(db, "tasks");
    const mine = session.admin ? [] : [where("owner_uid", "==", session.uid)];
    stopTasks = onSnapshot(
      query(taskDocs, where("job_id", "==", jobId), where("run_id", "==", id), ...mine),
      (snap) => {
        for (const d of snap.docs) {
          const task = readTask(d.id, d.data());
          const before = tasks.get(d.id);
          if (before && before.status !== task.status && (task.status === "success" || task.status === "failed"))
            session.announce(`Task ${task.taskId}: ${task.status}`);
          tasks.set(d.id, task);
          void fetchOutput(task);
        }
        renderChain();
      },
      (error) => fill(steps, h("p", { role: "alert", class: "error" }, `Could not read the job's tasks: ${error.message}`)),
    );
  };

  const stopJob = onSnapshot(
    doc(db, "jobs", jobId),
    (snap) => {
      if (!snap.exists()) return fill(summary, h("p", { role: "alert" }, `There is no job ${jobId}.`));
      jobData = snap.data();
      const job = readJob(snap.id, jobData, referenced.get(outputRefOf(jobData)));
      renderJobSummary(job);
      referenced.request([job.outputRef]);
      if (job.runId) followRun(job.runId);
    },
    (error) => fill(summary, h("p", { role: "alert", class: "error" }, `Could not read job ${jobId}: ${error.message}`)),
  );
  return () => {
    stopped = true;
    stopJob();
    stopTasks?.();
  };
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
      h(
        "span",
        { class: "step-meta" },
        ` ${what} · ${formatDuration(step.latencyMs)} · ${formatCount(step.usage?.total_tokens)} tokens · ${formatUsd(step.costUsd)}`,
      ),
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
