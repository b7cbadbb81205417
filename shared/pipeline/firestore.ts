// Lazily initialises firebase-admin once per process (cold start: nothing loads until the first use).
import type { Firestore } from "firebase-admin/firestore";

let db: Promise<Firestore> | undefined;

/** The default app's Firestore; honours FIRESTORE_EMULATOR_HOST like every Admin SDK client. */
export function getDb(): Promise<Firestore> {
  db ??= (async () => {
    const { getApps, initializeApp } = await import("firebase-admin/app");
    const { getFirestore } = await import("firebase-admin/firestore");
    const app = getApps()[0] ?? initializeApp(projectOptions());
    const firestore = getFirestore(app);
    // Configs carry optional fields; dropping undefined beats sprinkling deletes before every write.
    firestore.settings({ ignoreUndefinedProperties: true });
    return firestore;
  })();
  return db;
}

function projectOptions(): { projectId: string } | undefined {
  const projectId = process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
  return projectId ? { projectId } : undefined;
}
