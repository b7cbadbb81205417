// The outputs/{taskDocId} document, cut to fit Firestore's 1 MiB document limit when a run was huge.
import type { TaskRecord } from "../engine/run-record";

/** Firestore's limit is 1,048,576 bytes including field names and index overhead; keep a margin. */
export const MAX_DOCUMENT_BYTES = 1_000_000;
const MARKER = "\n…[truncated: the full text was longer than a Firestore document can hold]";

export interface OutputDocument extends TaskRecord {
  task_doc_id: string;
  job_id?: string;
  run_id?: string;
  hop: number;
  attempt: number;
}

const byteLength = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

/**
 * Returns the document unchanged when it fits; otherwise cuts the longest prompts and responses (never
 * the output payload, which the next task needs) and records in each step's `truncated` what was cut.
 */
export function fitOutputDocument(doc: OutputDocument, limit = MAX_DOCUMENT_BYTES): OutputDocument {
  let size = byteLength(doc);
  if (size <= limit) return doc;
  const fitted: OutputDocument = { ...doc, steps: doc.steps.map((s) => ({ ...s })) };
  const fields = ["response", "user_prompt", "system_prompt", "request"] as const;
  // Cut the biggest field first, repeatedly, until the document fits.
  while (size > limit) {
    let best: { step: (typeof fitted.steps)[number]; field: (typeof fields)[number]; length: number } | undefined;
    for (const step of fitted.steps) {
      for (const field of fields) {
        const value = step[field];
        if (typeof value === "string" && value.length > MARKER.length * 2 && (!best || value.length > best.length)) best = { step, field, length: value.length };
      }
    }
    if (!best) break;
    const value = best.step[best.field] as string;
    const excess = size - limit;
    const keep = Math.max(0, Math.min(value.length - excess - MARKER.length - 64, Math.floor(value.length / 2)));
    best.step.truncated = { ...best.step.truncated, [best.field]: best.step.truncated?.[best.field] ?? value.length };
    best.step[best.field] = value.slice(0, keep) + MARKER;
    size = byteLength(fitted);
  }
  return fitted;
}

export const fitsInDocument = (value: unknown, limit = MAX_DOCUMENT_BYTES) => byteLength(value) <= limit;
