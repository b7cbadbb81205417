// Benchmark 1: microseconds of executor time per step, the engine against LangChain.js on the same instant fake model.
import type { DocumentSink } from "../shared/builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../shared/builtins/builtin-registry";
import { TaskConfigSchema, type TaskConfig } from "../shared/config/config-schemas";
import type { EngineOptions } from "../shared/engine/engine-options";
import { runTaskSteps } from "../shared/engine/run-task-steps";
import { DEFAULT_MODEL_TABLE } from "../shared/providers/model-table";
import { sampleTaskConfig } from "../local/samples/samples";
import { createFakeModel } from "./fake-model";
import { buildLangChainLcelSample, buildLangChainSample, type SampleChain } from "./langchain-chain";
import { median, round } from "./stats";

export interface EngineOverheadOptions {
  /** Task runs per timed batch. */
  runs: number;
  /** Timed batches of each executor, in rotation; the figures are medians over them. */
  repeats: number;
  /** Untimed runs of each executor first, so that all are compiled by the JIT before timing. */
  warmup: number;
}

export const ENGINE_OVERHEAD_DEFAULTS: EngineOverheadOptions = { runs: 2000, repeats: 15, warmup: 3000 };

export interface EngineOverheadResult {
  engine_us_per_step: number;
  langchain_us_per_step: number;
  /** Median of the per-repeat ratios (ours / LangChain): each pair ran back to back, so drift cancels. */
  overhead_ratio: number;
  /** The same chain composed with RunnablePassthrough.assign (LCEL): context, not a goal. */
  langchain_lcel_us_per_step: number;
  steps_per_run: number;
  runs: number;
  repeats: number;
}

const noSink: DocumentSink = { description: "nowhere (benchmark)", write: (collection, id) => Promise.resolve(`${collection}/${id}`) };

export async function measureEngineOverhead(options: EngineOverheadOptions = ENGINE_OVERHEAD_DEFAULTS): Promise<EngineOverheadResult> {
  const task: TaskConfig = TaskConfigSchema.parse(sampleTaskConfig);
  const steps = task.steps.length;
  const fake = createFakeModel();
  const engine: EngineOptions = {
    providers: { gemini: fake },
    modelTable: DEFAULT_MODEL_TABLE,
    functions: BUILTIN_FUNCTIONS,
    sink: noSink,
  };
  const input = { user_prompt: String(task.input_config.payload.user_prompt) };

  const runEngine = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const record = await runTaskSteps(task, "bench", engine);
      if (record.status !== "success")
        throw new Error(`engine-overhead: the sample task failed: ${record.error?.code} ${record.error?.message}`);
    }
  };
  const chainRunner = (chain: SampleChain, what: string) => async (n: number) => {
    for (let i = 0; i < n; i++) {
      const out = await chain(input);
      if (!out.verdict) throw new Error(`engine-overhead: the ${what} chain returned no verdict`);
    }
  };
  const executors = [
    runEngine,
    chainRunner(buildLangChainSample(task, fake), "LangChain"),
    chainRunner(buildLangChainLcelSample(task, fake), "LCEL"),
  ];
  const timeUs = async (run: (n: number) => Promise<void>) => {
    const started = process.hrtime.bigint();
    await run(options.runs);
    return Number(process.hrtime.bigint() - started) / 1000 / (options.runs * steps);
  };

  for (const run of executors) await run(options.warmup);
  const samples: number[][] = executors.map(() => []);
  const ratios: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    // Rotate the order, so that no executor always runs right after another's garbage.
    for (let k = 0; k < executors.length; k++) {
      const index = (k + r) % executors.length;
      samples[index]!.push(await timeUs(executors[index]!));
    }
    ratios.push(samples[0]![r]! / samples[1]![r]!);
  }
  const expectedCalls = executors.length * (options.warmup + options.runs * options.repeats) * steps;
  if (fake.calls !== expectedCalls) throw new Error(`engine-overhead: expected ${expectedCalls} model calls, the fake saw ${fake.calls}`);
  return {
    engine_us_per_step: round(median(samples[0]!)),
    langchain_us_per_step: round(median(samples[1]!)),
    overhead_ratio: round(median(ratios), 3),
    langchain_lcel_us_per_step: round(median(samples[2]!)),
    steps_per_run: steps,
    runs: options.runs,
    repeats: options.repeats,
  };
}
