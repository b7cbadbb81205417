// Helpers for suites that run against the Firestore emulator: a guard, unique ids, document reads.
import { randomUUID } from "node:crypto";
import type { Firestore } from "firebase-admin/firestore";

export function requireEmulator(): void {
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error("FIRESTORE_EMULATOR_HOST is not set: run this suite through `npm test` (it starts the emulators)");
  }
}

/** A prefix that keeps one test's documents apart from every other test's. */
export const uniqueId = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

export async function readDoc(db: Firestore, path: string): Promise<Record<string, unknown> | undefined> {
  const snap = await db.doc(path).get();
  return snap.exists ? snap.data() : undefined;
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
