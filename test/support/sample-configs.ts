// Small hand-made configs for pipeline tests.
export const modelStep = (id: string, userPrompt: string, inputs: Record<string, string>, outputs: Record<string, string>) => ({
  id,
  name: id,
  step_type: 0,
  input_config: { payload: inputs },
  model_query_config: { model_key: "GEMINI_FLASH", parameters: { temperature: "0.0" }, system_prompt: "", user_prompt: userPrompt },
  output_config: { payload: outputs },
});

/**
 * A one-step task that answers `prompt` (with %vars%) and outputs the answer as `output`. A step passes a
 * declared input through unchanged, so a task that receives `answer` must output under another name.
 */
export const oneStepTask = (taskId: string, prompt: string, inputs: Record<string, string> = {}, nextTask = "", output = "answer") => ({
  task_id: taskId,
  input_config: { payload: inputs },
  steps: [modelStep(`${taskId}-step`, prompt, Object.fromEntries(Object.keys(inputs).map((k) => [k, ""])), { [output]: "" })],
  output_config: { payload: { [output]: "" } },
  next_task: nextTask,
});
