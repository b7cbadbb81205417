// Promise 7 of issue 4: the Gemini key never appears in a Firestore document, a log line or an error message.
//
// A distinctive fake key is put in the environment before the triggers build their runtime, and the model
// calls go through a small recording proxy to an in-process stand-in: so the runtime treats the key as a real
// one and sends it (the proxy checks the x-goog-api-key header), while everything the run wrote is searched for
// it: every document in the emulator, every log line (firebase-functions logger, console, stdout, stderr) and
// every error message. Adds its row to reliability.json in RELIABILITY_RESULTS_DIR (when set).
import { randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { format, inspect } from "node:util";
import type { DocumentSnapshot, Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import functionsTest from "firebase-functions-test";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { runTask, startJob } from "../../functions/src/index";
import { createGeminiProvider } from "../../shared/providers/gemini/gemini-provider";
import { jobTaskDocId } from "../../shared/pipeline/doc-ids";
import { getDb } from "../../shared/pipeline/firestore";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { match } from "../support/matchers";
import { modelStep, oneStepTask } from "../support/sample-configs";
import { writeResultRows } from "../support/reliability-rows";

/** Shaped like a Google API key, and found nowhere else. */
const FAKE_KEY = `AIzaSyFAKE${randomUUID().replace(/-/g, "").toUpperCase()}`;

const fft = functionsTest({ projectId: process.env.GCLOUD_PROJECT ?? "demo-llm-agent-executor" });
const wrappedRunTask = fft.wrap(runTask);
const wrappedStartJob = fft.wrap(startJob);

interface KeyRecorder {
  url: string;
  /** The x-goog-api-key header of every request passed on. */
  keys: (string | undefined)[];
  close(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1 that records each request's API key header and passes the request on to `target`. */
async function startKeyRecorder(target: string): Promise<KeyRecorder> {
  const keys: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    const key = req.headers["x-goog-api-key"];
    keys.push(Array.isArray(key) ? key.join(",") : key);
    const upstream = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let db: Firestore;
let standin: Standin;
let recorder: KeyRecorder;
const spies: MockInstance[] = [];

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  recorder = await startKeyRecorder(standin.url);
  // The triggers build their runtime on the first event, from this environment: a key and a base URL, as in production.
  process.env.GEMINI_API_KEY = FAKE_KEY;
  process.env.GEMINI_BASE_URL = recorder.url;
  // Every task's line, not only the failures': more text in which the key must not appear.
  process.env.TASK_LOG = "all";
  for (const method of ["debug", "info", "log", "warn", "error", "write"] as const) spies.push(vi.spyOn(logger, method));
  for (const method of ["debug", "info", "log", "warn", "error"] as const) spies.push(vi.spyOn(console, method));
  spies.push(vi.spyOn(process.stdout, "write"), vi.spyOn(process.stderr, "write"));
  db = await getDb();
});

afterAll(async () => {
  for (const spy of spies) spy.mockRestore();
  delete process.env.GEMINI_API_KEY;
  delete process.env.TASK_LOG;
  await recorder?.close();
  await standin?.close();
  fft.cleanup();
});

/** Everything one logging call could have printed: its arguments as text, as JSON, and inspected in depth. */
function loggedText(args: unknown[]): string {
  let json: string;
  try {
    json = JSON.stringify(args);
  } catch {
    json = "";
  }
  return [format(...args), json, inspect(args, { depth: 20, showHidden: true })].join("\n");
}

/** Every document in the emulator: all root collections, and the overflow pieces under outputs/. */
async function everyDocument(): Promise<{ path: string; text: string }[]> {
  const docs: { path: string; text: string }[] = [];
  for (const collection of await db.listCollections()) {
    for (const doc of (await collection.get()).docs) docs.push({ path: doc.ref.path, text: JSON.stringify(doc.data()) });
  }
  for (const doc of (await db.collectionGroup("overflow").get()).docs) docs.push({ path: doc.ref.path, text: JSON.stringify(doc.data()) });
  return docs;
}

async function deliverTask(taskDocId: string): Promise<void> {
  const snap = fft.firestore.makeDocumentSnapshot(
    (await readDoc(db, `tasks/${taskDocId}`)) ?? {},
    `tasks/${taskDocId}`,
  ) as DocumentSnapshot;
  await wrappedRunTask({ data: snap, params: { taskDocId } });
}

async function deliverJob(jobId: string): Promise<void> {
  const snap = fft.firestore.makeDocumentSnapshot((await readDoc(db, `jobs/${jobId}`)) ?? {}, `jobs/${jobId}`) as DocumentSnapshot;
  await wrappedStartJob({ data: snap, params: { jobId } });
}

describe("promise 7: secrets", () => {
  it("promise 7 (secrets): the Gemini key is sent to the model, and appears in no document, log line or error message of a run that succeeds, retries and fails", async () => {
    const jobId = uniqueId("secret-job");
    const rowsCollection = uniqueId("secret-rows");
    const entry = jobTaskDocId(jobId, "run1", 1, "first");
    const second = jobTaskDocId(jobId, "run1", 2, "second");

    // A job to success: its first model call is answered 503 and retried; its firestore_log step writes a row.
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: {
        task_id: "first",
        input_config: { payload: {} },
        steps: [
          modelStep("ask", `tell a short story for ${jobId}`, {}, { answer: "" }),
          {
            id: "log",
            name: "log",
            step_type: 1,
            input_config: { payload: { answer: "" } },
            function_call_config: {
              function_name: "firestore_log",
              request: JSON.stringify({ collection: rowsCollection, data: { answer: "%answer%" } }),
            },
            output_config: { payload: { answer: "", logged: "" } },
          },
        ],
        output_config: { payload: { answer: "" } },
        next_task: "second",
      },
      task_configs: [oneStepTask("second", "second got %answer%", { answer: "" }, "", "reply")],
    });
    standin.configure({ script: ["503", "ok"] });
    await deliverJob(jobId);
    await deliverTask(entry);
    await deliverTask(second);

    // Tasks that fail with the model's refusal: 400, and 403 (whose hint names GEMINI_API_KEY).
    const refused: string[] = [];
    for (const fault of ["400", "403"] as const) {
      const id = uniqueId(`secret-${fault}`);
      refused.push(id);
      await db.doc(`tasks/${id}`).set(oneStepTask("refused", `refused with ${fault}`));
      standin.configure({ script: [fault] });
      await deliverTask(id);
    }
    standin.configure({ script: [] });

    // The errors the Gemini provider throws, causes and stacks included, for the same refusals.
    const provider = createGeminiProvider({ apiKey: FAKE_KEY, baseUrl: recorder.url });
    const thrown: string[] = [];
    for (const fault of ["400", "403", "503"] as const) {
      standin.configure({ script: [fault] });
      await provider
        .generate({ model: "gemini-2.5-flash", systemPrompt: "", userPrompt: "hello", generationConfig: {} })
        .catch((err: unknown) => {
          thrown.push(`${inspect(err, { depth: 20, showHidden: true })}\n${(err as Error).stack ?? ""}\n${String((err as Error).cause)}`);
        });
    }
    standin.configure({ script: [] });

    // The run went as planned, so that what is searched below is a real run's output.
    const job = await readDoc(db, `jobs/${jobId}`);
    expect(job).toMatchObject({ status: "success", tasks_done: 2 });
    expect((await readDoc(db, `outputs/${entry}`))?.steps).toEqual(
      match.arrayContaining([match.objectContaining({ step_id: "ask", attempts: 2 })]),
    );
    expect((await db.collection(rowsCollection).get()).size).toBe(1);
    const errors: string[] = [];
    for (const id of refused) {
      const task = await readDoc(db, `tasks/${id}`);
      expect(task).toMatchObject({ status: "failed", error: match.objectContaining({ code: "model_error" }) });
      errors.push(String((task?.error as { message: string }).message));
      const output = await readDoc(db, `outputs/${id}`);
      for (const step of (output?.steps ?? []) as { error?: { message: string } }[]) if (step.error) errors.push(step.error.message);
    }
    expect(errors.join("\n")).toContain("GEMINI_API_KEY"); // the 403 hint: the key is talked about, never shown
    expect(thrown).toHaveLength(3);

    const documents = await everyDocument();
    const lines = spies.flatMap((spy) => spy.mock.calls.map((args) => loggedText(args)));
    const paths = documents.map((d) => d.path);
    expect(paths).toEqual(
      match.arrayContaining([
        `jobs/${jobId}`,
        `tasks/${entry}`,
        `tasks/${second}`,
        `outputs/${entry}`,
        `outputs/${second}`,
        ...refused.map((id) => `tasks/${id}`),
      ]),
    );
    expect(
      lines.some((line) => line.includes(entry)),
      "the pipeline's log lines were not captured",
    ).toBe(true);

    const leaks = [
      ...documents.filter((d) => d.text.includes(FAKE_KEY)).map((d) => `document ${d.path}`),
      ...lines.filter((line) => line.includes(FAKE_KEY)).map((line) => `log line ${line.slice(0, 200)}`),
      ...[...errors, ...thrown].filter((text) => text.includes(FAKE_KEY)).map((text) => `error ${text.slice(0, 200)}`),
    ];
    const keyed = recorder.keys.filter((key) => key === FAKE_KEY).length;
    const dir = process.env.RELIABILITY_RESULTS_DIR;
    if (dir) {
      const row = {
        promise: "7 secrets",
        fault: "GEMINI_API_KEY searched for in everything a run wrote (success, retried 503, 400 and 403 failures)",
        times: keyed,
        outcome: leaks.length ? "lost" : "survived",
        detail: `the key was sent on ${keyed} of ${recorder.keys.length} model calls; searched ${documents.length} documents, ${lines.length} log lines, ${errors.length + thrown.length} error messages: ${leaks.length ? `found in ${leaks.join("; ")}` : "not found"}`,
      };
      writeResultRows(dir, "secrets.test.ts", [row]);
    }

    expect(recorder.keys.length).toBeGreaterThanOrEqual(8);
    expect(
      recorder.keys.every((key) => key === FAKE_KEY),
      "every model call carried the key",
    ).toBe(true);
    expect(leaks).toEqual([]);
  });
});
