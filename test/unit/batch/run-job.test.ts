// A run's job: the template with the row bound into the entry task, the model replaced, the run's place in the batch.
import { describe, expect, it } from "vitest";
import { queueTaskId, rowId, runJobId } from "../../../shared/batch/batch-ids";
import { JobTemplateSchema } from "../../../shared/batch/batch-schema";
import { buildRunJob } from "../../../shared/batch/run-job";
import type { JobConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import { splitJobDocument } from "../../../shared/pipeline/job-document";
import { runnableConfig } from "../../../shared/pipeline/start-job-run";
import { modelStep, oneStepTask } from "../../support/sample-configs";

const template = JobTemplateSchema.parse({
  task_config: {
    ...oneStepTask("ask", "%topic% in %lang% (%repeat%)", { topic: "default", lang: "" }, "rate"),
    steps: [
      modelStep("s", "%topic% %repeat%", { topic: "", repeat: "" }, { answer: "" }),
      { id: "log", step_type: 1, function_call_config: { function_name: "firestore_log", request: "{}" } },
    ],
  },
  task_configs: [oneStepTask("rate", "rate %answer%", { answer: "" }, "", "rating")],
});

describe("a run's job", () => {
  it("binds the row to the entry task's inputs, with repeat, and carries its place in the batch as envelope fields", () => {
    const { jobId, doc } = buildRunJob(
      { batch_id: "b", job: template, owner_uid: "u1" },
      { kind: "admit", batch_id: "b", row_index: 7, repeat: 2, inputs: { topic: "owls", lang: "fr" } },
    );
    expect(jobId).toBe("b~000007~002");
    expect(doc).toMatchObject({
      job_id: jobId,
      status: "queued",
      batch_id: "b",
      row_id: "b~000007",
      row_index: 7,
      repeat: 2,
      inputs: { topic: "owls", lang: "fr" },
      owner_uid: "u1",
    });
    expect((doc as JobConfig).task_config.input_config.payload).toEqual({ topic: "owls", lang: "fr", repeat: "2" });
    // The job validates as a job once its envelope is split off: the batch's fields are run state, not config. Its id
    // holds the "~" no user id may hold: the start checks it where the batch_id was checked, as a batch run's.
    const { envelope, config } = splitJobDocument(doc);
    expect(Object.keys(envelope).sort()).toEqual(["batch_id", "created_at", "inputs", "owner_uid", "repeat", "row_id", "row_index"]);
    const asRun = runnableConfig(jobId, envelope, config);
    expect(asRun.issues).toEqual([]);
    expect(parseConfig("job", asRun.config).ok).toBe(true);
    expect(parseConfig("job", runnableConfig(jobId, {}, config).config).ok).toBe(false);
  });

  it("with a model, every model step of the chain runs it, and the job id and the model field name it", () => {
    const { jobId, doc } = buildRunJob(
      { batch_id: "b", job: template },
      { kind: "admit", batch_id: "b", row_index: 0, repeat: 0, model: "GEMINI_PRO", inputs: {} },
    );
    expect(jobId).toBe("b~000000~000~GEMINI_PRO");
    expect(doc.model).toBe("GEMINI_PRO");
    const job = doc as JobConfig;
    expect(job.task_config.steps[0]!.model_query_config!.model_key).toBe("GEMINI_PRO");
    expect(job.task_config.steps[1]!.function_call_config!.function_name).toBe("firestore_log");
    expect(job.task_configs[0]!.steps[0]!.model_query_config!.model_key).toBe("GEMINI_PRO");
    expect(template.task_config.steps[0]!.model_query_config!.model_key).toBe("GEMINI_FLASH"); // the template is not changed
  });

  it("ids are deterministic; queue task ids use only the characters Cloud Tasks allows and start with a hash", () => {
    expect(rowId("b", 12)).toBe("b~000012");
    expect(runJobId("b", 12, 3, "GEMINI_FLASH")).toBe("b~000012~003~GEMINI_FLASH");
    const id = queueTaskId("moral machine~000001~000");
    expect(id).toMatch(/^[0-9a-f]{12}-moral_machine_000001_000-admit$/);
    expect(queueTaskId("moral machine~000001~000")).toBe(id);
    expect(queueTaskId("moral_machine~000001~000")).not.toBe(id);
    expect(queueTaskId("x", "retry2")).toMatch(/-x-retry2$/);
  });
});

describe("a dispatch on the wire", () => {
  it("is ASCII JSON text (the Tasks emulator reads bodies as Latin-1) that decodes to the same dispatch", async () => {
    const { decodeDispatch, encodeDispatch } = await import("../../../shared/batch/dispatch-wire");
    const dispatch = { kind: "admit" as const, batch_id: "b", row_index: 1, repeat: 0, inputs: { text: 'שלום 🧪 "q"\n日本' } };
    const wire = encodeDispatch(dispatch);
    // Nothing from DEL (0x7f) up: the set [\x00-\x7e], stated without a control character in the pattern.
    expect(wire.dispatch).toMatch(/^[^\x7f-\uffff]*$/);
    expect(decodeDispatch(JSON.parse(JSON.stringify(wire)))).toEqual(dispatch);
    expect(decodeDispatch({ kind: "retry" })).toEqual({ kind: "retry" });
  });
});
