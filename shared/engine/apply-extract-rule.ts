// Applies one output_config.extract rule to a model's answer: the text it takes, or why it found none.
import type { ExtractRule } from "../config/extract-rules";

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
  const name = tag.replace(/[.-]/g, (c) => `\\${c}`);
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}\\s*>`, "g");
  let last: string | undefined;
  for (const match of answer.matchAll(pattern)) last = match[1];
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
  const tokens = pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  for (const [i, token] of tokens.entries()) {
    const at = `/${pointer
      .slice(1)
      .split("/")
      .slice(0, i + 1)
      .join("/")}`;
    if (Array.isArray(node)) {
      const index = /^(0|[1-9]\d*)$/.test(token) ? Number(token) : NaN;
      if (!(index < node.length)) return { problem: `the JSON answer has no item ${at} (the array has ${node.length})` };
      node = node[index];
    } else if (node !== null && typeof node === "object" && Object.hasOwn(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return { problem: `the JSON answer has nothing at ${at}` };
    }
  }
  return { value: node };
}

function extractRegex(answer: string, source: string, group: number | string, flags: string): Extraction {
  const match = new RegExp(source, flags.replace("g", "")).exec(answer);
  if (!match) return { problem: "the regex does not match the answer" };
  const value = typeof group === "number" ? match[group] : match.groups?.[group];
  if (value === undefined) return { problem: `the regex matched, but group ${JSON.stringify(group)} took no part in the match` };
  return { value };
}
