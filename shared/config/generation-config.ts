// Maps a step's `parameters` (strings like "0.7", or typed values) to one typed generation config, in Gemini's
// names; each provider adapter maps it to its own request, and provider-parameters.ts says what each one takes.
import type { ConfigIssue } from "./config-issue";
import { describe, type ParameterValue } from "./config-schemas";

/** Gemini's generationConfig as sent on the wire (the SDK passes it through unchanged). */
export interface GenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  candidateCount?: number;
  stopSequences?: string[];
  responseMimeType?: string;
  responseSchema?: Record<string, unknown>;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
  /** Tokens the model may think before answering (Gemini 2.5's thinkingBudget, Claude's budget_tokens). */
  thinkingBudget?: number;
  /** How hard to think, by name (Gemini 3's thinkingLevel, Claude's effort, OpenAI's reasoning_effort). */
  thinkingLevel?: string;
}

type Kind = "number" | "int" | "bool" | "string" | "strings" | "object";
interface ParameterSpec {
  wire: keyof GenerationConfig;
  kind: Kind;
  min?: number;
  max?: number;
}

const SPECS: Record<string, ParameterSpec> = {
  temperature: { wire: "temperature", kind: "number", min: 0, max: 2 },
  top_p: { wire: "topP", kind: "number", min: 0, max: 1 },
  top_k: { wire: "topK", kind: "int", min: 1 },
  max_output_tokens: { wire: "maxOutputTokens", kind: "int", min: 1 },
  candidate_count: { wire: "candidateCount", kind: "int", min: 1, max: 1 },
  stop_sequences: { wire: "stopSequences", kind: "strings" },
  response_mime_type: { wire: "responseMimeType", kind: "string" },
  response_schema: { wire: "responseSchema", kind: "object" },
  seed: { wire: "seed", kind: "int" },
  presence_penalty: { wire: "presencePenalty", kind: "number" },
  frequency_penalty: { wire: "frequencyPenalty", kind: "number" },
  response_logprobs: { wire: "responseLogprobs", kind: "bool" },
  logprobs: { wire: "logprobs", kind: "int", min: 0 },
  // -1 is Gemini's "let the model decide", 0 turns thinking off.
  thinking_budget: { wire: "thinkingBudget", kind: "int", min: -1 },
  thinking_level: { wire: "thinkingLevel", kind: "string" },
};

/** snake_case names are canonical; the SDK's camelCase spellings are accepted too. */
const BY_NAME = new Map<string, ParameterSpec>();
for (const [name, spec] of Object.entries(SPECS)) {
  BY_NAME.set(name, spec);
  BY_NAME.set(spec.wire, spec);
}
export const KNOWN_PARAMETERS = Object.keys(SPECS);

const RESPONSE_MIME_TYPES = ["text/plain", "application/json", "text/x.enum"];

export interface GenerationConfigResult {
  config: GenerationConfig;
  issues: ConfigIssue[];
}

/** The name each field was given under (`top_p` or `topP`), so that messages name a parameter as the step wrote it. */
export function parameterNames(parameters: Readonly<Record<string, unknown>>): Partial<Record<keyof GenerationConfig, string>> {
  const names: Partial<Record<keyof GenerationConfig, string>> = {};
  for (const name of Object.keys(parameters)) {
    const spec = BY_NAME.get(name);
    if (spec) names[spec.wire] ??= name;
  }
  return names;
}

/** Converts every parameter; collects one issue per bad parameter (path relative to `parameters`). */
export function toGenerationConfig(parameters: Readonly<Record<string, ParameterValue>>): GenerationConfigResult {
  const config: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  const given = new Map<keyof GenerationConfig, string>();
  for (const [name, raw] of Object.entries(parameters)) {
    const path = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `[${JSON.stringify(name)}]`;
    const spec = BY_NAME.get(name);
    if (!spec) {
      issues.push({ path, message: `unknown parameter "${name}"; known: ${KNOWN_PARAMETERS.join(", ")}` });
      continue;
    }
    const twin = given.get(spec.wire);
    if (twin !== undefined) {
      issues.push({ path, message: `given twice (as "${twin}" and "${name}"); keep one` });
      continue;
    }
    given.set(spec.wire, name);
    const converted = convert(raw, spec);
    if (typeof converted === "string") issues.push({ path, message: converted });
    else config[spec.wire] = converted.value;
  }
  if (config.thinkingBudget !== undefined && config.thinkingLevel !== undefined) {
    issues.push({
      path: given.get("thinkingLevel") ?? "thinking_level",
      message: "give thinking_budget or thinking_level, not both (models refuse the pair)",
    });
  }
  const mime = config.responseMimeType;
  if (typeof mime === "string" && !RESPONSE_MIME_TYPES.includes(mime)) {
    issues.push({
      path: "response_mime_type",
      message: `unsupported response_mime_type "${mime}"; use one of ${RESPONSE_MIME_TYPES.join(", ")}`,
    });
  }
  if (config.responseSchema && mime !== "application/json" && mime !== "text/x.enum") {
    issues.push({ path: "response_schema", message: 'response_schema needs response_mime_type "application/json"' });
  }
  return { config, issues };
}

/** Returns the converted value, or an error message. */
function convert(raw: ParameterValue, spec: ParameterSpec): { value: unknown } | string {
  switch (spec.kind) {
    case "number":
    case "int": {
      const value = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
      if (!Number.isFinite(value)) return `expected a number, got ${describe(raw)}`;
      if (spec.kind === "int" && !Number.isInteger(value)) return `expected a whole number, got ${describe(raw)}`;
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}, got ${value}`;
      return { value };
    }
    case "bool":
      if (typeof raw === "boolean") return { value: raw };
      if (raw === "true" || raw === "false") return { value: raw === "true" };
      return `expected true or false, got ${describe(raw)}`;
    case "string":
      return typeof raw === "string" ? { value: raw } : `expected a string, got ${describe(raw)}`;
    case "strings": {
      const parsed = typeof raw === "string" ? parseJsonOr(raw, undefined) : undefined;
      const list = typeof raw === "string" ? (Array.isArray(parsed) ? parsed : [raw]) : raw;
      if (Array.isArray(list) && list.every((s) => typeof s === "string")) return { value: list };
      return `expected a list of strings (or one string), got ${describe(raw)}`;
    }
    case "object": {
      const value = typeof raw === "string" ? parseJsonOr(raw, undefined) : raw;
      if (value && typeof value === "object" && !Array.isArray(value)) return { value };
      return `expected a JSON object (or a string holding one), got ${describe(raw)}`;
    }
  }
}

function parseJsonOr<T>(text: string, fallback: T): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}
