// The queues of provider batch mode as the pipeline and the collector use them: resume a parked task once per task and
// key, and have the collector run its next round in its time slot. Task ids make both idempotent (Cloud Tasks refuses
// an id it has seen), so a park, a crash or two rounds at once never run a round or a resume twice.
import { createHash } from "node:crypto";
import type { ProviderBatchDriver } from "../pipeline/pipeline-deps";

export const POLL_FUNCTION = "pollProviderBatches";
export const RESUME_FUNCTION = "resumeTask";

/** What a queue task carries. */
export interface PollDispatch {
  /** The round may not start before this (epoch ms): the emulator ignores scheduleDelaySeconds. */
  not_before: number;
}
export interface ResumeDispatch {
  task_doc_id: string;
  key: string;
}

/** Enqueues `data` on `queue` under `id`, no sooner than `delaySeconds`; an id already taken is no error. */
export type QueueEnqueue = (queue: string, data: object, id: string, delaySeconds?: number) => Promise<void>;

export function providerBatchDriver(enqueue: QueueEnqueue, pollSeconds: number, now = Date.now): ProviderBatchDriver {
  const pollIn = async (delaySeconds: number) => {
    const notBefore = now() + delaySeconds * 1000;
    const slot = Math.floor(notBefore / (pollSeconds * 1000));
    const dispatch: PollDispatch = { not_before: notBefore };
    await enqueue(POLL_FUNCTION, dispatch, `poll-${slot}`, delaySeconds);
  };
  return {
    resume: async (taskDocId, key) => {
      const dispatch: ResumeDispatch = { task_doc_id: taskDocId, key };
      const id = `resume-${createHash("sha256").update(`${taskDocId}\u0000${key}`).digest("hex").slice(0, 40)}`;
      await enqueue(RESUME_FUNCTION, dispatch, id);
    },
    // The next slot's round: parks of the same slot share it, and a round that leaves work open asks for the next.
    schedulePoll: () => pollIn(pollSeconds),
  };
}
