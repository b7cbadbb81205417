// The response store in Firestore: responses/{key}, one owner's answer to one question (shared/engine/response-key.ts),
// with its text in pieces under responses/{key}/response_pieces/ when it is longer than one piece holds. Each entry
// carries `expires_at`, which a Firestore TTL policy on both collection groups deletes (docs/data-model.md).
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import { COLLECTIONS } from "../collections";
import type { ResponseStore, StoredAnswer } from "../engine/engine-options";
import { TokenUsageSchema } from "../models/token-usage";
import { OVERFLOW_CHUNK_CHARS } from "./output-document";
import type { Write } from "./writes";

export const RESPONSE_PIECES = "response_pieces";
const DAY_MS = 86_400_000;

const StoredResponseSchema = z.object({
  owner_uid: z.string().nullable(),
  provider: z.string(),
  model: z.string(),
  /** The whole text, or absent when it is in `pieces` pieces. */
  text: z.string().optional(),
  pieces: z.number().int().positive().optional(),
  finish_reason: z.string(),
  usage: TokenUsageSchema,
  /** `batch`: paid through a vendor's batch API (provider batch mode's collector stored it). */
  billing: z.enum(["standard", "batch"]).optional(),
  created_at: z.instanceof(Timestamp).optional(),
  stored_at: z.instanceof(Timestamp).optional(),
  expires_at: z.instanceof(Timestamp),
});

export interface PipelineResponseStore extends ResponseStore {
  /** Writes the answers put since the last flush: beside the task's finishing commit, so a run waits for no extra write. */
  flush(): Promise<void>;
}

/** One owner's store (an absent owner is the operator's own scope): it never serves an entry written for another. */
export function createResponseStore(db: Firestore, ownerUid: string | undefined, ttlDays: number, now = Date.now): PipelineResponseStore {
  const pending: Write[] = [];
  return {
    async get(key) {
      const snap = await db.collection(COLLECTIONS.responses).doc(key).get();
      const parsed = StoredResponseSchema.safeParse(snap.data());
      if (!parsed.success || parsed.data.owner_uid !== (ownerUid ?? null)) return undefined;
      // TTL deletion runs up to a day or more after expiry: an expired entry is gone as far as a run is concerned.
      if (parsed.data.expires_at.toMillis() <= now()) return undefined;
      return readAnswer(db, key, parsed.data);
    },
    put(key, answer, route) {
      const at = now();
      pending.push(...answerWrites(key, answer, route, ownerUid, { at, expiresAt: at + ttlDays * DAY_MS }));
    },
    flush: () => applyAnswerWrites(db, pending.splice(0)),
  };
}

/** Applies answerWrites' writes: pieces first, so that an entry is never readable before its whole text is. */
export async function applyAnswerWrites(db: Firestore, writes: readonly Write[]): Promise<void> {
  const pieces = writes.filter((w) => w.path.includes(`/${RESPONSE_PIECES}/`));
  await Promise.all(pieces.map((w) => db.doc(w.path).set(w.data)));
  await Promise.all(writes.filter((w) => !pieces.includes(w)).map((w) => db.doc(w.path).set(w.data)));
}

async function readAnswer(db: Firestore, key: string, stored: z.infer<typeof StoredResponseSchema>): Promise<StoredAnswer | undefined> {
  const storedAt = (stored.stored_at ?? stored.created_at)?.toMillis();
  const answer = (text: string): StoredAnswer => ({
    text,
    finishReason: stored.finish_reason,
    usage: stored.usage,
    billing: stored.billing,
    storedAt,
  });
  if (stored.text !== undefined) return answer(stored.text);
  const refs = Array.from({ length: stored.pieces ?? 0 }, (_, n) => db.doc(`${COLLECTIONS.responses}/${key}/${RESPONSE_PIECES}/${n}`));
  const pieces = refs.length ? await db.getAll(...refs) : [];
  const texts = pieces.map((p) => p.get("text") as unknown);
  // A piece the TTL deleted first leaves the entry incomplete: as good as none.
  if (!texts.every((t): t is string => typeof t === "string")) return undefined;
  return answer(texts.join(""));
}

/** The entry's writes: its text whole when one piece holds it, else in pieces. Pure. */
export function answerWrites(
  key: string,
  answer: StoredAnswer,
  route: { provider: string; model: string },
  ownerUid: string | undefined,
  times: { at: number; expiresAt: number },
  /** Fields the entry carries beside the store's own (a batch answer's `billing` and `stored_at`). */
  extra: Readonly<Record<string, unknown>> = {},
): Write[] {
  const expiresAt = Timestamp.fromMillis(times.expiresAt);
  const path = `${COLLECTIONS.responses}/${key}`;
  const entry = {
    owner_uid: ownerUid ?? null,
    provider: route.provider,
    model: route.model,
    finish_reason: answer.finishReason,
    usage: answer.usage,
    created_at: Timestamp.fromMillis(times.at),
    expires_at: expiresAt,
    ...extra,
  };
  if (answer.text.length <= OVERFLOW_CHUNK_CHARS) return [{ op: "set", path, data: { ...entry, text: answer.text } }];
  const count = Math.ceil(answer.text.length / OVERFLOW_CHUNK_CHARS);
  const pieces: Write[] = Array.from({ length: count }, (_, n) => ({
    op: "set",
    path: `${path}/${RESPONSE_PIECES}/${n}`,
    data: { text: answer.text.slice(n * OVERFLOW_CHUNK_CHARS, (n + 1) * OVERFLOW_CHUNK_CHARS), expires_at: expiresAt },
  }));
  return [...pieces, { op: "set", path, data: { ...entry, pieces: count } }];
}
