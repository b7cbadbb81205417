// The response store's writes, decided as data: an answer one piece holds is one document; a longer one goes in pieces
// written before the entry that names them, each with the entry's expiry for the TTL policy.
import { type Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { answerWrites, RESPONSE_PIECES } from "../../../shared/pipeline/response-store";
import { OVERFLOW_CHUNK_CHARS } from "../../../shared/pipeline/output-document";

const usage = { prompt_tokens: 3, output_tokens: 5, total_tokens: 8, thinking_tokens: 2 };
const route = { provider: "gemini", model: "gemini-2.5-flash" };
const times = { at: 1_000, expiresAt: 1_000 + 30 * 86_400_000 };

describe("answerWrites", () => {
  it("keeps a short answer whole in responses/{key}, with its owner, usage as billed and its expiry", () => {
    const writes = answerWrites("k1", { text: "an owl", finishReason: "STOP", usage }, route, "alice", times);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      op: "set",
      path: "responses/k1",
      data: { owner_uid: "alice", text: "an owl", finish_reason: "STOP", usage, provider: "gemini", model: "gemini-2.5-flash" },
    });
    expect((writes[0]!.data.expires_at as Timestamp).toMillis()).toBe(times.expiresAt);
  });

  it("stores an operator's answer (no owner) under owner_uid null, never under a user's", () => {
    expect(answerWrites("k1", { text: "x", finishReason: "STOP", usage }, route, undefined, times)[0]!.data.owner_uid).toBeNull();
  });

  it("splits a long answer into pieces that expire with it, the entry last, and the pieces join to the answer", () => {
    const text = "ab".repeat(OVERFLOW_CHUNK_CHARS); // two pieces' worth
    const writes = answerWrites("k2", { text, finishReason: "MAX_TOKENS", usage }, route, "alice", times);
    expect(writes.map((w) => w.path)).toEqual([`responses/k2/${RESPONSE_PIECES}/0`, `responses/k2/${RESPONSE_PIECES}/1`, "responses/k2"]);
    expect(
      writes
        .slice(0, 2)
        .map((w) => w.data.text as string)
        .join(""),
    ).toBe(text);
    expect(writes[2]!.data).toMatchObject({ pieces: 2 });
    expect(writes[2]!.data.text).toBeUndefined();
    for (const w of writes) expect((w.data.expires_at as Timestamp).toMillis()).toBe(times.expiresAt);
  });
});
