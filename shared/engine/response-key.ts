// The response store's key: what a model call asked, so that the same question asked again finds its answer. Pure.
import { createHash } from "node:crypto";
import type { GenerationConfig } from "../config/generation-config";
import type { ModelRouteBase } from "../models/model-provider";

/** Everything that decides a model's answer, and whose it is. */
export interface AskedCall {
  /** The job's owner: no user is ever served another user's answer. Jobs without an owner (the operator's) share one scope. */
  ownerUid: string | undefined;
  /** The model table entry: provider, model and where it is served (a server's URL, a Vertex location). */
  route: ModelRouteBase;
  systemPrompt: string;
  userPrompt: string;
  /** The generation parameters, response schema included. */
  generationConfig: GenerationConfig;
  /** The run's sample: a batch run's repeat index (0 for a job), so that repeats stay independent samples. */
  sample: number;
  /** How many calls of this task run asked exactly the same before this one: a step asked twice stays two samples. */
  occurrence: number;
}

/**
 * SHA-256 of the call as canonical JSON (keys sorted at every level), base64url: 43 characters of [A-Za-z0-9_-], a
 * Firestore document id and a vendor batch's custom_id alike. `v` changes when what the key covers changes.
 */
export function responseKey(asked: AskedCall): string {
  const material = { v: 1, owner: asked.ownerUid ?? null, ...asked, ownerUid: undefined };
  return createHash("sha256").update(canonicalJson(material)).digest("base64url");
}

/** JSON with object keys sorted at every level and undefined members left out, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
