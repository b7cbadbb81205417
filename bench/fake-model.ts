// The instant in-process model both executors call in the engine-overhead benchmark, so that only framework time is left.
import type { ModelProvider, ModelRequest, ModelResult } from "../shared/models/model-provider";

/** One fixed answer: prompts then stay the same size run after run, and step 3 finds a verdict in it. */
export const FAKE_ANSWER = "Why did the scarecrow win an award? Because he was outstanding in his field. <answer>FUNNY</answer>";

const RESULT: ModelResult = Object.freeze({
  text: FAKE_ANSWER,
  usage: Object.freeze({ prompt_tokens: 12, output_tokens: 24, total_tokens: 36 }),
  finishReason: "STOP",
});

export interface FakeModel extends ModelProvider {
  /** Calls answered so far: both executors must make the same number. */
  readonly calls: number;
}

/** Resolves at once with the same answer. */
export function createFakeModel(): FakeModel {
  let calls = 0;
  return {
    name: "bench-fake",
    get calls() {
      return calls;
    },
    generate(_request: ModelRequest): Promise<ModelResult> {
      calls++;
      return Promise.resolve(RESULT);
    },
  };
}
