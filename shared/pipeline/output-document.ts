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
 * the output payload, which the next task needs) and records in each step's `truncated` what was cut;
 * the full text of each cut field comes back as an overflow, to be kept beside the output document.
 */
export function fitOutputDocument(doc: OutputDocument, limit = MAX_DOCUMENT_BYTES): { doc: OutputDocument; overflows: Overflow[] } {
  let size = byteLength(doc);
  if (size <= limit) return { doc, overflows: [] };
  const overflows: Overflow[] = [];
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
    const stepIndex = fitted.steps.indexOf(best.step);
    if (!overflows.some((o) => o.stepIndex === stepIndex && o.field === best!.field)) {
      overflows.push({ stepIndex, field: best.field, text: doc.steps[stepIndex]![best.field] as string });
    }
    const excess = size - limit;
    const keep = Math.max(0, Math.min(value.length - excess - MARKER.length - 64, Math.floor(value.length / 2)));
    best.step.truncated = { ...best.step.truncated, [best.field]: best.step.truncated?.[best.field] ?? value.length };
    best.step[best.field] = value.slice(0, keep) + MARKER;
    size = byteLength(fitted);
  }
  return { doc: fitted, overflows };
}

/** The full text of a field cut by fitOutputDocument, kept in `outputs/{id}/overflow/` in pieces. */
export interface Overflow {
  stepIndex: number;
  field: string;
  text: string;
}

/** Characters per overflow piece: at most 4 bytes each in UTF-8, so a piece stays under 1 MiB. */
export const OVERFLOW_CHUNK_CHARS = 240_000;

/** The documents that keep the full text of every cut field, keyed by document id. */
export function overflowDocuments(taskDocId: string, overflows: readonly Overflow[]): Map<string, Record<string, unknown>> {
  const docs = new Map<string, Record<string, unknown>>();
  for (const { stepIndex, field, text } of overflows) {
    const pieces = Math.ceil(text.length / OVERFLOW_CHUNK_CHARS);
    for (let n = 0; n < pieces; n++) {
      docs.set(`${stepIndex}-${field}-${n}`, {
        task_doc_id: taskDocId,
        step_index: stepIndex,
        field,
        piece: n,
        pieces,
        text: text.slice(n * OVERFLOW_CHUNK_CHARS, (n + 1) * OVERFLOW_CHUNK_CHARS),
      });
    }
  }
  return docs;
}

export const fitsInDocument = (value: unknown, limit = MAX_DOCUMENT_BYTES) => byteLength(value) <= limit;
