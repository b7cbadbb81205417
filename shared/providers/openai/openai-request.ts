// Our model request as a Chat Completions body (POST {base_url}/chat/completions) for OpenAI-compatible servers. Pure.
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ModelRequest } from "../../models/model-provider";
import { toJsonSchema } from "../../models/to-json-schema";

type ReasoningEffort = ChatCompletionCreateParamsNonStreaming["reasoning_effort"];

/**
 * `max_tokens`, not OpenAI's newer `max_completion_tokens`: it is the field Ollama, vLLM, llama.cpp, LM Studio and
 * OpenRouter all read. A schema becomes a non-strict json_schema format (strict mode would demand every property be
 * required); JSON without a schema is json_object. The engine checks the answer against the schema either way.
 */
export function toChatCompletionRequest(request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
  const config = request.generationConfig;
  const messages: ChatCompletionMessageParam[] = [];
  if (request.systemPrompt) messages.push({ role: "system", content: request.systemPrompt });
  messages.push({ role: "user", content: request.userPrompt });
  const body: ChatCompletionCreateParamsNonStreaming = { model: request.model, messages };
  if (config.temperature !== undefined) body.temperature = config.temperature;
  if (config.topP !== undefined) body.top_p = config.topP;
  if (config.maxOutputTokens !== undefined) body.max_tokens = config.maxOutputTokens;
  if (config.stopSequences !== undefined) body.stop = config.stopSequences;
  if (config.seed !== undefined) body.seed = config.seed;
  if (config.presencePenalty !== undefined) body.presence_penalty = config.presencePenalty;
  if (config.frequencyPenalty !== undefined) body.frequency_penalty = config.frequencyPenalty;
  if (config.responseLogprobs !== undefined) body.logprobs = config.responseLogprobs;
  if (config.logprobs !== undefined) body.top_logprobs = config.logprobs;
  if (config.thinkingLevel !== undefined) body.reasoning_effort = config.thinkingLevel as NonNullable<ReasoningEffort>;
  if (config.responseMimeType === "application/json") {
    body.response_format = config.responseSchema
      ? { type: "json_schema", json_schema: { name: "response", schema: toJsonSchema(config.responseSchema), strict: false } }
      : { type: "json_object" };
  }
  return body;
}
