// Our model request as a body of Anthropic's Messages API (POST /v1/messages). Pure.
import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { CLAUDE_DEFAULT_MAX_TOKENS } from "./anthropic-parameters";
import type { ModelRequest } from "../../models/model-provider";
import { toJsonSchema } from "../../models/to-json-schema";

type Effort = NonNullable<NonNullable<MessageCreateParamsNonStreaming["output_config"]>["effort"]>;

/**
 * max_tokens is required by the API; a step that sets no max_output_tokens gets the original's 1,024. The prompt is
 * one user message; a JSON step asks for structured output with its schema as JSON Schema. Validation
 * (anthropic-parameters.ts) has already refused what Claude cannot take, so nothing here is dropped silently.
 */
export function toAnthropicRequest(request: ModelRequest): MessageCreateParamsNonStreaming {
  const config = request.generationConfig;
  const body: MessageCreateParamsNonStreaming = {
    model: request.model,
    max_tokens: config.maxOutputTokens ?? CLAUDE_DEFAULT_MAX_TOKENS,
    messages: [{ role: "user", content: request.userPrompt }],
  };
  if (request.systemPrompt) body.system = request.systemPrompt;
  if (config.stopSequences !== undefined) body.stop_sequences = config.stopSequences;
  if (config.thinkingBudget !== undefined) body.thinking = { type: "enabled", budget_tokens: config.thinkingBudget };
  const outputConfig: NonNullable<MessageCreateParamsNonStreaming["output_config"]> = {};
  if (config.thinkingLevel !== undefined) {
    // A level is how hard to think, not a budget: Claude's adaptive thinking at that effort.
    body.thinking = { type: "adaptive" };
    outputConfig.effort = config.thinkingLevel as Effort;
  }
  if (config.responseSchema && config.responseMimeType === "application/json") {
    outputConfig.format = { type: "json_schema", schema: toJsonSchema(config.responseSchema) };
  }
  if (Object.keys(outputConfig).length) body.output_config = outputConfig;
  return body;
}
