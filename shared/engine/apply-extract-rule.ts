// Applies one output_config.extract rule to a model's answer: the text it takes, or why it found none.
import type { ExtractRule } from "../config/extract-rules";
import { compileRuleRegex } from "../config/rule-regex";
import { lastTagContent } from "./last-tag";

export type Extraction = { value: string } | { problem: string };

/** Pure. A JSON value that is not a string is written back as JSON text: payload values are text. */
export function applyExtractRule(answer: string, rule: ExtractRule): Extraction {
  if (rule.tag !== undefined) return extractTag(answer, rule.tag);
  if (rule.json !== undefined) return extractJson(answer, rule.json);
  if (rule.regex !== undefined) return extractRegex(answer, rule.regex, rule.group ?? 0, rule.flags ?? "");
  return { problem: "the rule gives none of tag, json, regex" };
}

/**
 * The text inside the last <tag>...</tag> (attributes allowed on the opening tag), trimmed. The last, because
 * models reason first and answer last, and the reasoning may quote the tag ("I will put it in <answer>").
 */
function extractTag(answer: string, tag: string): Extraction {
  const last = lastTagContent(answer, tag);
  if (last === undefined) return { problem: `the answer has no <${tag}>...</${tag}> element` };
  return { value: last.trim() };
}

function extractJson(answer: string, pointer: string): Extraction {
  let document: unknown;
  try {
    document = JSON.parse(stripCodeFence(answer));
  } catch (err) {
    return { problem: `the answer is not JSON (${(err as Error).message})` };
  }
  const found = resolvePointer(document, pointer);
  if ("problem" in found) return found;
  return { value: typeof found.value === "string" ? found.value : JSON.stringify(found.value) };
}

/** Models without a JSON mode often wrap JSON in a ``` fence; the fence is not part of the answer. */
function stripCodeFence(answer: string): string {
  const fenced = /^\s*```[A-Za-z]*\s*\n([\s\S]*?)\n?```\s*$/.exec(answer);
  return fenced ? fenced[1]! : answer;
}

/** RFC 6901: "" is the whole document, "/a/0/b~1c" walks a, item 0, key "b/c". */
export function resolvePointer(document: unknown, pointer: string): { value: unknown } | { problem: string } {
  if (pointer === "") return { value: document };
  let node = document;
  const raw = pointer.slice(1).split("/");
  // Where the walk stopped, written only when it did: building it at every token would be quadratic in the pointer.
  const at = (i: number) => `/${raw.slice(0, i + 1).join("/")}`;
  for (const [i, token] of raw.map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~")).entries()) {
    if (Array.isArray(node)) {
      const index = /^(0|[1-9]\d*)$/.test(token) ? Number(token) : NaN;
      if (!(index < node.length)) return { problem: `the JSON answer has no item ${at(i)} (the array has ${node.length})` };
      node = node[index];
    } else if (node !== null && typeof node === "object" && Object.hasOwn(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return { problem: `the JSON answer has nothing at ${at(i)}` };
    }
  }
  return { value: node };
}

/** RE2 (rule-regex.ts): linear in the answer whatever the pattern; the rule was checked to compile when the config was. */
function extractRegex(answer: string, source: string, group: number | string, flags: string): Extraction {
  // re2js's exec answers as RegExp#exec does: the groups by number, and by name in `groups`.
  const match = compileRuleRegex(source, flags.replace("g", "")).exec(answer) as RegExpExecArray | null;
  if (!match) return { problem: "the regex does not match the answer" };
  const value = typeof group === "number" ? match[group] : match.groups?.[group];
  if (value === undefined) return { problem: `the regex matched, but group ${JSON.stringify(group)} took no part in the match` };
  return { value };
}
