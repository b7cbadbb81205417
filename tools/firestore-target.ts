// Chooses where the operator tools read and write: the local emulator by default, a real project only when named.
import { UsageError } from "./cli-args";

export const EMULATOR_PROJECT_ID = "demo-llm-agent-executor";
export const DEFAULT_EMULATOR_HOST = "127.0.0.1:8080";

/** The `-project` flag every Firestore tool takes. */
export const projectFlag = {
  type: "string",
  value: "ID",
  description: "use the real Firebase project ID (Application Default Credentials) instead of the local emulator",
} as const;

/**
 * Sets the environment firebase-admin reads. Without a project: the emulator (FIRESTORE_EMULATOR_HOST, or
 * 127.0.0.1:8080), checked to be up. With one: that project, refusing if an emulator host is also set.
 */
export async function useFirestoreTarget(project: string | undefined): Promise<string> {
  if (project) {
    if (process.env.FIRESTORE_EMULATOR_HOST) {
      throw new UsageError(
        `-project=${project} names a real project but FIRESTORE_EMULATOR_HOST is set (${process.env.FIRESTORE_EMULATOR_HOST}); unset it to write to the real project`,
      );
    }
    process.env.GCLOUD_PROJECT = project;
    return `Firestore of the real project ${project}`;
  }
  const host = (process.env.FIRESTORE_EMULATOR_HOST ??= DEFAULT_EMULATOR_HOST);
  process.env.GCLOUD_PROJECT ??= EMULATOR_PROJECT_ID;
  try {
    await fetch(`http://${host}/`, { signal: AbortSignal.timeout(3000) });
  } catch {
    throw new Error(
      `cannot reach the Firestore emulator at ${host}: start it with \`npm run emulators\` (or pass -project=ID for a real project)`,
    );
  }
  return `the Firestore emulator at ${host} (project ${process.env.GCLOUD_PROJECT})`;
}
