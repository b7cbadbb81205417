// firestore_log keeps out of the pipeline's collections and honours the FIRESTORE_LOG_COLLECTIONS allow-list, from the environment to the write.
import { describe, expect, it } from "vitest";
import { FunctionCallError, RowOwnerConflict, type DocumentSink, type FunctionContext } from "../../../shared/builtins/builtin-function";
import { checkCollection, parseCollectionList } from "../../../shared/builtins/check-collection";
import { firestoreLog } from "../../../shared/builtins/firestore-log";
import { parseConfig } from "../../../shared/validation/validate-config";
import { runStep } from "../../../shared/engine/run-step";
import { PIPELINE_COLLECTIONS } from "../../../shared/collections";
import { createRuntime } from "../../../shared/runtime/create-runtime";
import { match } from "../../support/matchers";

interface Written {
  collection: string;
  documentId: string;
  data: Record<string, unknown>;
  owner?: string | undefined;
}

function memorySink(): DocumentSink & { writes: Written[] } {
  const writes: Written[] = [];
  return {
    writes,
    description: "an in-memory list (test)",
    write(collection, documentId, data, owner) {
      writes.push({ collection, documentId, data, owner });
      return Promise.resolve(`memory:${collection}/${documentId}`);
    },
  };
}

const context = (sink: DocumentSink, allowedCollections?: readonly string[]): FunctionContext => ({
  executionId: "exec-1",
  stepId: "log",
  sink,
  ...(allowedCollections ? { allowedCollections } : {}),
});

/** The FunctionCallError a call rejects with; fails the test if it resolves or throws something else. */
async function refusal(promise: Promise<unknown>): Promise<FunctionCallError> {
  const outcome = await promise.then(
    (value) => new Error(`expected a refusal, got ${String(value)}`),
    (err: unknown) => err,
  );
  if (!(outcome instanceof FunctionCallError)) throw outcome;
  return outcome;
}

const requestFor = (collection: string) => JSON.stringify({ collection, data: { answer: "42" } });

describe("firestore_log and the pipeline's collections", () => {
  it("the guarded list is the pipeline's own, imported: tasks, jobs, outputs, task_configs, batches, spend, responses, batch_requests, vendor_jobs", () => {
    expect([...PIPELINE_COLLECTIONS].sort()).toEqual([
      "batch_requests",
      "batches",
      "jobs",
      "outputs",
      "responses",
      "spend",
      "task_configs",
      "tasks",
      "vendor_jobs",
    ]);
  });

  for (const collection of PIPELINE_COLLECTIONS) {
    it(`refuses to write into ${collection}/, naming it as reserved for the pipeline, not retryable, and writes nothing`, async () => {
      const sink = memorySink();
      const err = await refusal(firestoreLog(requestFor(collection), context(sink)));
      expect(err.message).toContain(`request.collection "${collection}" is reserved for the pipeline`);
      expect(err.isRetryable).toBe(false);
      expect(JSON.parse(err.response)).toMatchObject({
        status: "error",
        document_id: "",
        error: match.stringContaining("reserved for the pipeline"),
      });
      expect(sink.writes).toEqual([]);
    });
  }

  it("compares ids exactly, as Firestore does: Tasks and tasks_log are collections of their own and may be written", async () => {
    const sink = memorySink();
    await firestoreLog(requestFor("Tasks"), context(sink));
    await firestoreLog(requestFor("tasks_log"), context(sink));
    expect(sink.writes.map((w) => w.collection)).toEqual(["Tasks", "tasks_log"]);
  });
});

describe("the FIRESTORE_LOG_COLLECTIONS allow-list", () => {
  it("parses a comma-separated list, trimming whitespace and dropping empty entries; blank means no list", () => {
    expect(parseCollectionList(" TaskLogs , Results,,")).toEqual(["TaskLogs", "Results"]);
    expect(parseCollectionList(undefined)).toBeUndefined();
    expect(parseCollectionList(" , ")).toBeUndefined();
  });

  it("allows the listed collections and refuses any other, listing the allowed ones", async () => {
    const sink = memorySink();
    await firestoreLog(requestFor("TaskLogs"), context(sink, ["TaskLogs", "Results"]));
    expect(sink.writes.map((w) => w.collection)).toEqual(["TaskLogs"]);
    const err = await refusal(firestoreLog(requestFor("Other"), context(sink, ["TaskLogs", "Results"])));
    expect(err.message).toContain('request.collection "Other" is not allowed: FIRESTORE_LOG_COLLECTIONS allows only TaskLogs, Results');
    expect(err.isRetryable).toBe(false);
    expect(sink.writes).toHaveLength(1);
  });

  it("cannot open a pipeline collection: one in the allow-list is still refused", async () => {
    const sink = memorySink();
    const err = await refusal(firestoreLog(requestFor("tasks"), context(sink, ["tasks", "TaskLogs"])));
    expect(err.message).toContain('"tasks" is reserved for the pipeline (FIRESTORE_LOG_COLLECTIONS lists it, but that cannot open it)');
    expect(checkCollection("tasks", ["tasks"])).toBeDefined();
    expect(sink.writes).toEqual([]);
  });

  it("reaches the function from the environment through createRuntime and the step", async () => {
    const sink = memorySink();
    const runtime = await createRuntime({
      env: { GEMINI_API_KEY: "test-key-not-used", FIRESTORE_LOG_COLLECTIONS: " TaskLogs ,Results" },
      sink,
    });
    try {
      expect(runtime.engine.logCollections).toEqual(["TaskLogs", "Results"]);
      expect(runtime.banner).toContain("Built-in functions may write only to TaskLogs, Results (FIRESTORE_LOG_COLLECTIONS).");
      const parsed = parseConfig("step", {
        id: "log",
        step_type: 1,
        input_config: { payload: { where: "" } },
        function_call_config: { function_name: "firestore_log", request: '{"collection":"%where%","data":{}}' },
        output_config: { payload: { result: "" } },
      });
      if (!parsed.ok) throw new Error("bad test step");
      const allowed = await runStep(parsed.value, { where: "Results" }, { executionId: "e", index: 0 }, runtime.engine);
      expect(allowed.record.status).toBe("success");
      const refused = await runStep(parsed.value, { where: "Elsewhere" }, { executionId: "e", index: 0 }, runtime.engine);
      expect(refused.record.error).toMatchObject({
        code: "function_error",
        retryable: false,
        message: match.stringContaining("allows only TaskLogs, Results"),
      });
      expect(sink.writes.map((w) => w.collection)).toEqual(["Results"]);
    } finally {
      await runtime.close();
    }
  });
});

describe("firestore_log: ids and owners (promises 15 and 16)", () => {
  const log = (request: Record<string, unknown>, extra: Partial<FunctionContext> = {}, sink = memorySink()) =>
    firestoreLog(JSON.stringify(request), { ...context(sink), ...extra });

  it.each([
    ["..", 'it is "." or ".."'],
    ["__x__", "ids of the form __name__ are reserved by Firestore"],
    ["a/b", 'it contains "/"'],
    ["", "it is empty"],
  ])("refuses the document_id %j at once, not retryable, saying why and what to do", async (id, why) => {
    const sink = memorySink();
    const err = await refusal(log({ collection: "C", document_id: id, data: {} }, {}, sink));
    expect(err.isRetryable).toBe(false);
    expect(err.message).toBe(
      `firestore_log: request.document_id ${JSON.stringify(id)} cannot be a document id: ${why}; choose another, or leave document_id out for one derived from this run`,
    );
    expect(sink.writes).toEqual([]);
  });

  it("refuses a collection id Firestore refuses, at once", async () => {
    for (const [collection, why] of [
      ["..", 'it is "." or ".."'],
      ["__x__", "ids of the form __name__ are reserved by Firestore"],
      ["a/b", 'it contains "/"'],
    ]) {
      const err = await refusal(log({ collection, data: {} }));
      expect(err.isRetryable).toBe(false);
      expect(err.message).toBe(`firestore_log: request.collection ${JSON.stringify(collection)} cannot be a collection id: ${why}`);
    }
  });

  it("derives the document id from the task run and step as they are, never rewriting it", async () => {
    const sink = memorySink();
    await log({ collection: "C", data: {} }, { executionId: "j~run1~1~t", stepId: "log.v2" }, sink);
    expect(sink.writes[0]!.documentId).toBe("j~run1~1~t-log.v2");
  });

  it("stamps the row with the job's owner and hands the owner to the sink; a job without an owner writes none", async () => {
    const sink = memorySink();
    await log({ collection: "C", document_id: "r1", data: { a: 1 } }, { ownerUid: "alice" }, sink);
    await log({ collection: "C", document_id: "r2", data: { a: 2 } }, {}, sink);
    expect(sink.writes.map((w) => [w.data.owner_uid, w.owner])).toEqual([
      ["alice", "alice"],
      [undefined, undefined],
    ]);
    expect(sink.writes[0]!.data).toMatchObject({ a: 1, execution_id: "exec-1" });
  });

  it("refuses data naming an owner: the owner comes from the job alone", async () => {
    const err = await refusal(log({ collection: "C", data: { owner_uid: "bob" } }, { ownerUid: "alice" }));
    expect(err.isRetryable).toBe(false);
    expect(err.message).toBe("firestore_log: request.data.owner_uid is set by the pipeline from the job's owner; leave it out of data");
  });

  it("a row the sink finds held by another owner fails at once, saying why and what to do", async () => {
    const held: DocumentSink = {
      description: "held",
      write: (collection, id) => Promise.reject(new RowOwnerConflict(`${collection}/${id}`, "another user")),
    };
    const err = await refusal(
      log({ collection: "C", document_id: "r", data: {} }, { ownerUid: "bob" }, held as ReturnType<typeof memorySink>),
    );
    expect(err.isRetryable).toBe(false);
    expect(err.message).toBe(
      "firestore_log: C/r was not overwritten: another user's job wrote it, and a logged row is only ever overwritten by jobs of the same owner; choose another document_id, or leave it out for one derived from this run",
    );
    expect(JSON.parse(err.response)).toMatchObject({ status: "error", document_id: "r" });
  });

  it("names the document it wrote, after the write only", async () => {
    const written: string[] = [];
    const onWrite = (collection: string, id: string) => void written.push(`${collection}/${id}`);
    await log({ collection: "C", document_id: "r", data: {} }, { onWrite });
    const failing: DocumentSink = { description: "down", write: () => Promise.reject(new Error("UNAVAILABLE")) };
    const err = await refusal(log({ collection: "C", document_id: "s", data: {} }, { onWrite }, failing as ReturnType<typeof memorySink>));
    expect(err.isRetryable).toBe(true);
    expect(written).toEqual(["C/r"]);
  });
});
