// The engine-overhead peer: the sample three-step task as a LangChain.js RunnableSequence over the same instant fake.
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import type { ChatResult } from "@langchain/core/outputs";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import type { TaskConfig } from "../shared/config/config-schemas";
import type { ModelProvider } from "../shared/models/model-provider";

/** A chat model that hands each call to the benchmark's fake provider, as the engine's Gemini route does. */
class ProviderChatModel extends BaseChatModel {
  constructor(private readonly provider: ModelProvider) {
    super({});
  }

  _llmType(): string {
    return "bench-fake";
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const systemPrompt = messages.find((m) => m.type === "system")?.text ?? "";
    const userPrompt = messages.find((m) => m.type === "human")?.text ?? "";
    const result = await this.provider.generate({ model: "bench-fake", systemPrompt, userPrompt, generationConfig: {} });
    return { generations: [{ text: result.text, message: new AIMessage(result.text) }] };
  }
}

/** `%name%` (ours) to `{name}` (LangChain's f-string templates); the sample's prompts have no literal braces. */
const toTemplate = (prompt: string) => prompt.replace(/%([A-Za-z_][\w.-]*)%/g, "{$1}");

export interface SampleChainOutput {
  joke: string;
  verdict: string;
}

export type SampleChain = (input: { user_prompt: string }) => Promise<SampleChainOutput>;

function stepSequences(task: TaskConfig, provider: ModelProvider) {
  const model = new ProviderChatModel(provider);
  const parser = new StringOutputParser();
  return task.steps.map((step) => {
    const query = step.model_query_config!;
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", toTemplate(query.system_prompt)],
      ["human", toTemplate(query.user_prompt)],
    ]);
    return RunnableSequence.from([prompt, model, parser]);
  });
}

/**
 * The peer the goal is measured against, LangChain at its leanest: each step a RunnableSequence of
 * prompt template -> chat model -> string parser, the three invoked in turn with the answers carried in
 * plain code, as the engine's running payload and `context` carry them. Built from the task config, so
 * both executors send the same prompts.
 */
export function buildLangChainSample(task: TaskConfig, provider: ModelProvider): SampleChain {
  const [tell, explain, extract] = stepSequences(task, provider);
  if (!tell || !explain || !extract)
    throw new Error(`buildLangChainSample: expected the three-step sample task, got ${task.steps.length} steps`);
  return async (input) => {
    const joke = await tell.invoke(input);
    const explanation = await explain.invoke({ context: joke });
    const verdict = await extract.invoke({ context: `${joke}\n\n${explanation}` });
    return { joke, verdict };
  };
}

/**
 * The same chain composed the LCEL way (RunnablePassthrough.assign keeps the earlier answers): reported
 * beside the peer to show what composition adds, not used for the goal.
 */
export function buildLangChainLcelSample(task: TaskConfig, provider: ModelProvider): SampleChain {
  const [tell, explain, extract] = stepSequences(task, provider);
  if (!tell || !explain || !extract)
    throw new Error(`buildLangChainLcelSample: expected the three-step sample task, got ${task.steps.length} steps`);
  const chain = RunnableSequence.from([
    RunnablePassthrough.assign({ joke: tell }),
    RunnablePassthrough.assign({ context: (x: { joke: string }) => x.joke }),
    RunnablePassthrough.assign({ explanation: explain }),
    RunnablePassthrough.assign({ context: (x: { context: string; explanation: string }) => `${x.context}\n\n${x.explanation}` }),
    RunnablePassthrough.assign({ verdict: extract }),
    (x: { joke: string; verdict: string }): SampleChainOutput => ({ joke: x.joke, verdict: x.verdict }),
  ]);
  return (input) => chain.invoke(input);
}
