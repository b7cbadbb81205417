// The product's defining shape through the real Functions emulator: every task of a job is committed `queued` and
// is claimed and run by the invocation of its own onDocumentCreated trigger, one task per invocation.
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { jobTaskDocId } from "../../shared/pipeline/doc-ids";
import { getDb } from "../../shared/pipeline/firestore";
import type { TaskEnvelope } from "../../shared/pipeline/task-document";
import { requireEmulator, uniqueId, waitFor } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";

let db: Firestore;

beforeAll(async () => {
  requireEmulator();
  db = await getDb();
});

const millis = (value: unknown) => (value as Timestamp).toMillis();

describe("one task per trigger", () => {
  it("every task of a four-task job is created queued, then claimed and run by its own trigger", async () => {
    const jobId = uniqueId("shape");
    const ids = [1, 2, 3, 4].map((hop) => jobTaskDocId(jobId, "run1", hop, `t${hop}`));
    // Each task document as first seen, before any of them exists: the listener starts before the job.
    const firstSeen = new Map<string, Record<string, unknown>>();
    const unsubscribe = db
      .collection("tasks")
      .where("job_id", "==", jobId)
      .onSnapshot((snap) => {
        for (const change of snap.docChanges())
          if (change.type === "added" && !firstSeen.has(change.doc.id)) firstSeen.set(change.doc.id, change.doc.data());
      });
    try {
      const task = (hop: number) => oneStepTask(`t${hop}`, `hop ${hop} of ${jobId}`, {}, hop < 4 ? `t${hop + 1}` : "");
      await db
        .doc(`jobs/${jobId}`)
        .create({ job_id: jobId, status: "queued", task_config: task(1), task_configs: [task(2), task(3), task(4)] });
      const job = await waitFor(
        async () => {
          const data = (await db.doc(`jobs/${jobId}`).get()).data();
          return data?.status === "success" || data?.status === "failed" ? data : undefined;
        },
        `jobs/${jobId} to end`,
        90_000,
      );
      expect(job).toMatchObject({ status: "success", tasks_done: 4 });
      await waitFor(() => Promise.resolve(firstSeen.size === 4 ? true : undefined), "the listener to see all four tasks", 10_000);
    } finally {
      unsubscribe();
    }

    const tasks = (await db.getAll(...ids.map((id) => db.doc(`tasks/${id}`)))).map((s) => s.data() as TaskEnvelope);
    for (const [i, id] of ids.entries()) {
      // Created queued, never claimed at creation: its own trigger's claim made it running, once.
      expect(firstSeen.get(id), `tasks/${id} as first seen`).toMatchObject({ status: "queued", attempts: 0 });
      expect(tasks[i]).toMatchObject({ status: "success", attempts: 1 });
      expect(millis(tasks[i]!.started_at)).toBeGreaterThan(millis(tasks[i]!.created_at));
      // The predecessor's invocation had ended its task before this one's trigger claimed it.
      if (i > 0) expect(millis(tasks[i]!.started_at)).toBeGreaterThanOrEqual(millis(tasks[i - 1]!.finished_at));
    }
    // A claim per task, each by a different delivery.
    expect(new Set(tasks.map((t) => t.claim_id)).size).toBe(4);
  });
});
