// The outputs/{taskDocId} document, and a run record cut to fit it: Firestore holds at most 1 MiB a document,
// so the longest texts of a huge run are cut and kept whole in pieces under outputs/{taskDocId}/overflow/.
import type { TaskRecord } from "../engine/run-record";
import { COLLECTIONS } from "../collections";
import type { Write } from "./writes";

/** Firestore's limit is 1,048,576 bytes including field names and index overhead; keep a margin. */
export const MAX_DOCUMENT_BYTES = 1_000_000;
/** What the run record may take of the output document: the rest is for the envelope fields and an error. */
const MAX_RECORD_BYTES = MAX_DOCUMENT_BYTES - 40_000;
/** Room for the output payload in the output document (and the next task's inputs), beside the run record. */
export const MAX_PAYLOAD_BYTES = 700_000;
/** Characters per overflow piece: at most 4 bytes each in UTF-8, so a piece stays under 1 MiB. */
export const OVERFLOW_CHUNK_CHARS = 240_000;
const MARKER = "\n…[truncated: the full text was longer than a Firestore document can hold]";
const TOO_LARGE = "…[too large: see overflow/]";

export interface OutputDocument extends TaskRecord {
  task_doc_id: string;
  job_id?: string | undefined;
  run_id?: string | undefined;
  owner_uid?: string | undefined;
  hop: number;
  attempt: number;
}

/** The full text of a field cut from the run record. `stepIndex` -1 is the output payload. */
interface Overflow {
  stepIndex: number;
  field: string;
  text: string;
}

export interface StoredRecord {
  /** The record as the output document holds it. */
  record: TaskRecord;
  /** Whether the output payload was too large to store (its values are then in overflow/ only). */
  payloadTooLarge: boolean;
  /** The overflow pieces: written before the finishing commit, at ids fixed per attempt, so writing twice is harmless. */
  overflow: Write[];
}

const byteLength = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");
export const fitsInDocument = (value: unknown, limit = MAX_DOCUMENT_BYTES) => byteLength(value) <= limit;

/** Decides what of a run record the output document keeps and what goes to overflow/. Pure. */
export function storeRunRecord(taskDocId: string, attempt: number, record: TaskRecord, ownerUid?: string): StoredRecord {
  const payloadTooLarge = !fitsInDocument(record.output_payload, MAX_PAYLOAD_BYTES);
  const payload = payloadTooLarge
    ? Object.fromEntries(Object.keys(record.output_payload).map((k) => [k, TOO_LARGE]))
    : record.output_payload;
  const fitted = fitRunRecord({ ...record, output_payload: payload });
  const overflows = payloadTooLarge
    ? [
        ...fitted.overflows,
        ...Object.entries(record.output_payload).map(([field, text]) => ({ stepIndex: -1, field: `output_payload.${field}`, text })),
      ]
    : fitted.overflows;
  return { record: fitted.record, payloadTooLarge, overflow: overflowWrites(taskDocId, attempt, overflows, ownerUid) };
}

/**
 * Returns the record unchanged when it fits; otherwise cuts the longest prompts and responses (never the output
 * payload, which the next task needs), biggest first, recording in each step's `truncated` the full length.
 */
export function fitRunRecord(record: TaskRecord, limit = MAX_RECORD_BYTES): { record: TaskRecord; overflows: Overflow[] } {
  let size = byteLength(record);
  if (size <= limit) return { record, overflows: [] };
  const overflows: Overflow[] = [];
  const fitted: TaskRecord = { ...record, steps: record.steps.map((s) => ({ ...s })) };
  for (let longest = longestText(fitted); size > limit && longest; longest = longestText(fitted)) {
    const { stepIndex, field } = longest;
    const step = fitted.steps[stepIndex]!;
    const value = step[field] as string;
    if (!overflows.some((o) => o.stepIndex === stepIndex && o.field === field)) {
      overflows.push({ stepIndex, field, text: record.steps[stepIndex]![field] as string });
    }
    const keep = Math.max(0, Math.min(value.length - (size - limit) - MARKER.length - 64, Math.floor(value.length / 2)));
    step.truncated = { ...step.truncated, [field]: step.truncated?.[field] ?? value.length };
    step[field] = value.slice(0, keep) + MARKER;
    size = byteLength(fitted);
  }
  return { record: fitted, overflows };
}

const CUTTABLE = ["response", "user_prompt", "system_prompt", "request"] as const;

function longestText(record: TaskRecord): { stepIndex: number; field: (typeof CUTTABLE)[number] } | undefined {
  let best: { stepIndex: number; field: (typeof CUTTABLE)[number]; length: number } | undefined;
  record.steps.forEach((step, stepIndex) => {
    for (const field of CUTTABLE) {
      const value = step[field];
      if (typeof value === "string" && value.length > MARKER.length * 2 && (!best || value.length > best.length))
        best = { stepIndex, field, length: value.length };
    }
  });
  return best;
}

/**
 * One `set` per piece, at `<attempt>-<step>-<field>-<n>`: a superseded attempt cannot overwrite another's pieces.
 * A piece carries its output's owner, so that the owner may read it (firestore.rules).
 */
function overflowWrites(taskDocId: string, attempt: number, overflows: readonly Overflow[], ownerUid: string | undefined): Write[] {
  const writes: Write[] = [];
  for (const { stepIndex, field, text } of overflows) {
    const pieces = Math.ceil(text.length / OVERFLOW_CHUNK_CHARS);
    for (let n = 0; n < pieces; n++) {
      const piece = text.slice(n * OVERFLOW_CHUNK_CHARS, (n + 1) * OVERFLOW_CHUNK_CHARS);
      const data = {
        task_doc_id: taskDocId,
        attempt,
        step_index: stepIndex,
        field,
        piece: n,
        pieces,
        text: piece,
        ...(ownerUid ? { owner_uid: ownerUid } : {}),
      };
      writes.push({ op: "set", path: `${COLLECTIONS.outputs}/${taskDocId}/overflow/${attempt}-${stepIndex}-${field}-${n}`, data });
    }
  }
  return writes;
}
