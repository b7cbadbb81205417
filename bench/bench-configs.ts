// The task and job configs the emulator benchmarks run: short one-step tasks, chained or alone.
import type { JobConfigInput, TaskConfigInput } from "../local/samples/samples";

/** One model step answering a short prompt; `next` chains it to another task of the job. */
export function oneStepTask(taskId: string, prompt: string, next = ""): TaskConfigInput {
  return {
    task_id: taskId,
    steps: [
      {
        id: "1",
        name: "answer",
        step_type: 0,
        model_query_config: { model_key: "GEMINI_FLASH", parameters: { temperature: "0.0" }, system_prompt: "", user_prompt: prompt },
        output_config: { payload: { answer: "" } },
      },
    ],
    output_config: { payload: { answer: "" } },
    next_task: next,
  };
}

/** A queued job of `tasks` one-step tasks chained hop1 -> hop2 -> ...: writing it starts it (the startJob trigger). */
export function chainJob(jobId: string, tasks: number): JobConfigInput {
  const task = (hop: number) => oneStepTask(`hop${hop}`, `Hop ${hop} of ${tasks}: answer in one line.`, hop < tasks ? `hop${hop + 1}` : "");
  return {
    job_id: jobId,
    status: "queued",
    task_config: task(1),
    task_configs: Array.from({ length: tasks - 1 }, (_, i) => task(i + 2)),
  };
}

/** A one-step task whose entry declares `inputs` (a batch's row variables) and asks `prompt` (with their %names%). */
export function rowTask(taskId: string, prompt: string, inputs: readonly string[]): TaskConfigInput {
  const declared = Object.fromEntries(inputs.map((name) => [name, ""]));
  const task = oneStepTask(taskId, prompt);
  return {
    ...task,
    input_config: { payload: declared },
    steps: task.steps!.map((step) => ({ ...step, input_config: { payload: declared } })),
  };
}

/** A one-step task whose step reads `inputs` (from the row, or the task before) and answers into `output`. */
export function readingTask(taskId: string, prompt: string, inputs: readonly string[], output: string, next = ""): TaskConfigInput {
  const declared = Object.fromEntries(inputs.map((name) => [name, ""]));
  const answers = { payload: { [output]: "" } };
  const task = oneStepTask(taskId, prompt, next);
  return {
    ...task,
    input_config: { payload: declared },
    steps: task.steps!.map((step) => ({ ...step, input_config: { payload: declared }, output_config: answers })),
    output_config: answers,
  };
}
