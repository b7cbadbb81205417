// The collector's grouping (shared/provider-batch/group-requests.ts): one group per provider, route and model, within
// the vendor's request count and bytes and our own cap on keys, sent when full or once the oldest waited the window.
import { describe, expect, it } from "vitest";
import { groupIdentity, MAX_KEYS_PER_VENDOR_JOB, planGroups, type Groupable } from "../../../shared/provider-batch/group-requests";

const A = groupIdentity("openai", { provider: "openai", model: "m", base_url: "http://a/v1" }, "m");
const limits = { maxRequests: 3, maxBytes: 100 };
const req = (key: string, queuedAtMs: number, bytes = 10, groupId = A): Groupable => ({ key, groupId, queuedAtMs, bytes });

describe("planGroups", () => {
  it("a route's identity ignores key order and tells servers and models apart", () => {
    expect(groupIdentity("openai", { model: "m", provider: "openai", base_url: "http://a/v1" }, "m")).toBe(A);
    expect(groupIdentity("openai", { provider: "openai", model: "m", base_url: "http://b/v1" }, "m")).not.toBe(A);
    expect(groupIdentity("openai", { provider: "openai", model: "n", base_url: "http://a/v1" }, "n")).not.toBe(A);
  });

  it("waits for the window unless a group is full, oldest first", () => {
    const requests = [req("b", 1_000), req("a", 500)];
    expect(planGroups(requests, () => limits, 30_000, 20_000).ready).toEqual([]);
    expect(planGroups(requests, () => limits, 30_000, 30_500).ready).toEqual([{ groupId: A, keys: ["a", "b"], bytes: 20, why: "waited" }]);
  });

  it("splits at the request count and at the bytes; a full group goes at once, the rest waits", () => {
    const byCount = planGroups(
      [1, 2, 3, 4].map((n) => req(`k${n}`, n)),
      () => limits,
      60_000,
      10,
    );
    expect(byCount.ready).toEqual([{ groupId: A, keys: ["k1", "k2", "k3"], bytes: 30, why: "full" }]);
    const byBytes = planGroups([req("x", 1, 60), req("y", 2, 50), req("z", 3, 40)], () => limits, 0, 10);
    expect(byBytes.ready.map((g) => [g.keys, g.why])).toEqual([
      [["x"], "full"],
      [["y", "z"], "waited"],
    ]);
  });

  it("keeps groups of different routes apart and never past our own cap on keys", () => {
    const B = groupIdentity("anthropic", { provider: "anthropic", model: "c" }, "c");
    const plan = planGroups([req("a1", 1), req("b1", 2, 10, B), req("a2", 3)], () => limits, 0, 10);
    expect(plan.ready.map((g) => [g.groupId, g.keys])).toEqual([
      [A, ["a1", "a2"]],
      [B, ["b1"]],
    ]);
    const many = Array.from({ length: MAX_KEYS_PER_VENDOR_JOB + 1 }, (_, n) => req(`k${n}`, n, 1));
    const capped = planGroups(many, () => ({ maxRequests: 50_000, maxBytes: 1e9 }), 0, 1e9);
    expect(capped.ready.map((g) => g.keys.length)).toEqual([MAX_KEYS_PER_VENDOR_JOB, 1]);
  });

  it("a request larger than a whole vendor job can never be sent: it is set apart", () => {
    const plan = planGroups([req("huge", 1, 101), req("fine", 2)], () => limits, 0, 10);
    expect(plan.oversized.map((r) => r.key)).toEqual(["huge"]);
    expect(plan.ready.map((g) => g.keys)).toEqual([["fine"]]);
  });
});
