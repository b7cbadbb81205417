// A stand-in for the admission queue in tests that run without the Cloud Tasks emulator.
import type { RowDispatch } from "../../shared/batch/batch-schema";
import type { Enqueue } from "../../shared/batch/task-queue";

/** A queue that keeps what it is given and, like Cloud Tasks, refuses a task id it has seen. */
export function fakeQueue() {
  const tasks = new Map<string, RowDispatch>();
  const enqueue: Enqueue = (dispatch, id) => {
    if (tasks.has(id)) return Promise.resolve("exists");
    tasks.set(id, dispatch);
    return Promise.resolve("enqueued");
  };
  return { tasks, enqueue };
}
