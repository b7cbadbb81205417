// The original design's samples (what create_sample wrote), as raw JSON-shaped configs that parse with shared/config.
import type { z } from "zod";
import type { JobConfigSchema, MetadataSchema, StepConfigSchema, TaskConfigSchema } from "../../shared/config/config-schemas";

/** Raw shapes, before parsing: what a user writes in a config file. */
export type StepConfigInput = z.input<typeof StepConfigSchema>;
export type TaskConfigInput = z.input<typeof TaskConfigSchema>;
export type JobConfigInput = z.input<typeof JobConfigSchema>;
type MetadataInput = z.input<typeof MetadataSchema>;

// A fixed timestamp (the seed README's) so that create-sample writes the same files every time.
const metadata = (): MetadataInput => ({ timestamp: 1741667405, source: "create_sample", version: "1.0" });

/** The joke step of the seed README, field for field (its `//` comment aside). */
export const sampleStepConfig: StepConfigInput = {
  id: "1",
  name: "sample",
  description: "A sample StepConfig",
  step_type: 0,
  input_config: {
    payload: {
      user_prompt: "Tell me a joke!",
      system_prompt: "You're a funny assistant.",
    },
  },
  model_query_config: {
    model_key: "GEMINI_FLASH",
    parameters: { temperature: "0.7" },
    system_prompt: "You are a helpful assistant.",
    user_prompt: "%user_prompt%",
  },
  output_config: {
    payload: { user_prompt: "Hahaha" },
  },
  metadata: metadata(),
};

/**
 * The same step as a call of the built-in `gcp_firestore_log`. Its `data` input holds the request itself, so
 * that the step runs on its own (step-runner) and `%data%` shows how a request is interpolated.
 */
export const sampleFunctionCallConfig: StepConfigInput = {
  id: "1",
  name: "sample_function_call",
  description: "A sample StepConfig that logs a row of data with a built-in function",
  step_type: 1,
  input_config: {
    payload: {
      data: JSON.stringify({
        collection: "samples",
        data: { joke: "Why did the scarecrow win an award? Because he was outstanding in his field." },
      }),
    },
  },
  function_call_config: {
    function_name: "gcp_firestore_log",
    request: "%data%",
  },
  output_config: {
    payload: { result: "" },
  },
  metadata: metadata(),
};

/**
 * Three model steps chained through `%context%`: step 2 sees step 1's answer, step 3 sees both. `joke` is
 * declared as an input and an output of steps 2 and 3, so it passes through to the task's output unchanged.
 */
export const sampleTaskConfig: TaskConfigInput = {
  task_id: "sample_task",
  input_config: {
    payload: { user_prompt: "Tell me a joke!" },
  },
  steps: [
    {
      id: "1",
      name: "tell_joke",
      description: "Tells a joke",
      step_type: 0,
      input_config: { payload: { user_prompt: "Tell me a joke!" } },
      model_query_config: {
        model_key: "GEMINI_FLASH",
        parameters: { temperature: "0.7" },
        system_prompt: "You're a funny assistant.",
        user_prompt: "%user_prompt%",
      },
      output_config: { payload: { joke: "" } },
      metadata: metadata(),
    },
    {
      id: "2",
      name: "explain_joke",
      description: "Explains the joke as a humourless undertaker and gives a verdict",
      step_type: 0,
      input_config: { payload: { joke: "" } },
      model_query_config: {
        model_key: "GEMINI_FLASH",
        parameters: { temperature: "0.7" },
        system_prompt: "You are a humourless undertaker. You explain jokes slowly, gravely and literally, and you are very hard to amuse.",
        user_prompt: "Explain the following joke. Then give your verdict, FUNNY or DULL, inside <answer></answer> tags.\n\n%context%",
      },
      output_config: { payload: { joke: "", explanation: "" } },
      metadata: metadata(),
    },
    {
      id: "3",
      name: "extract_verdict",
      description: "Extracts the single word FUNNY or DULL",
      step_type: 0,
      input_config: { payload: { joke: "", explanation: "" } },
      model_query_config: {
        model_key: "GEMINI_FLASH",
        parameters: { temperature: "0.0" },
        system_prompt: "You extract answers. Reply with one word only.",
        user_prompt:
          "Below are a joke and an explanation of it that ends with a verdict inside <answer></answer> tags. " +
          "Reply with the single word FUNNY or DULL: the verdict.\n\n%context%",
      },
      output_config: { payload: { joke: "", verdict: "" } },
      metadata: metadata(),
    },
  ],
  output_config: {
    payload: { joke: "", verdict: "" },
  },
  metadata: metadata(),
  next_task: "",
};

/**
 * The sample task with its third step replaced by an extraction rule: step 2 already asks for the verdict inside
 * <answer></answer>, so `verdict` is taken from its answer by `{ "tag": "answer" }` instead of by a third model call.
 */
export const sampleTagTaskConfig: TaskConfigInput = {
  ...sampleTaskConfig,
  task_id: "sample_tag_task",
  steps: [
    sampleTaskConfig.steps![0]!,
    {
      ...sampleTaskConfig.steps![1]!,
      description: "Explains the joke as a humourless undertaker; the verdict is taken from its <answer> tag",
      output_config: { payload: { joke: "", explanation: "", verdict: "" }, extract: { verdict: { tag: "answer" } } },
    },
  ],
};

/** A queued job whose task is the sample task. */
export const sampleJobConfig: JobConfigInput = {
  job_id: "sample_job",
  status: "queued",
  task_config: sampleTaskConfig,
  metadata: metadata(),
};

/** The sample job with the tag-rule task (seeds/sample_tag_job.json). */
export const sampleTagJobConfig: JobConfigInput = {
  job_id: "sample_tag_job",
  status: "queued",
  task_config: sampleTagTaskConfig,
  metadata: metadata(),
};
