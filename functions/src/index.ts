// The deployed Cloud Functions: thin triggers that hand each Firestore event to the shared pipeline.
import { defineSecret, defineString } from "firebase-functions/params";
import { onDocumentCreated, type DocumentOptions } from "firebase-functions/v2/firestore";

const geminiApiKey = defineSecret("GEMINI_API_KEY");
// Read by the runtime from process.env; declared here so that deploy asks for them and documents them.
defineString("GEMINI_BASE_URL", { default: "", description: "Overrides Gemini's endpoint (leave empty in production)." });
defineString("LLM_MODEL_TABLE", { default: "", description: 'JSON overriding model keys, e.g. {"GEMINI_FLASH":"gemini-3.5-flash"}.' });

/**
 * 540 s is the event-function maximum: a task runs several model calls with retries. 1 vCPU allows
 * concurrency, and a task mostly waits on the model, so one instance serves many tasks at once.
 * retry: a handler throws only when Firestore itself failed; the pipeline is idempotent, so a redelivery is safe.
 */
const triggerOptions: Omit<DocumentOptions, "document"> = {
  timeoutSeconds: 540,
  memory: "1GiB",
  cpu: 1,
  concurrency: 80,
  retry: true,
  secrets: [geminiApiKey],
};

export const runTask = onDocumentCreated({ ...triggerOptions, document: "tasks/{taskDocId}" }, async (event) => {
  const { onTaskCreated } = await import("./triggers");
  await onTaskCreated(event.params.taskDocId!, event.time);
});

export const startJob = onDocumentCreated({ ...triggerOptions, document: "jobs/{jobId}" }, async (event) => {
  const { onJobCreated } = await import("./triggers");
  await onJobCreated(event.params.jobId!, event.time);
});
