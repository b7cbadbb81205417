// A problem found in a config or document, located by its JSON path, and the list format users read.
import type { z } from "zod";

export interface ConfigIssue {
  /** JSON path such as `steps[2].model_query_config.model_key`; empty for the document itself. */
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

export function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith("[") ? prefix + path : `${prefix}.${path}`;
}

/** One `path: message` line per issue, the format every tool and document uses. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("\n");
}

/**
 * `KEY.field: message` lines for a table read from the environment (LLM_MODEL_TABLE, LLM_PRICE_TABLE); a bad key says
 * what is wrong with it, and an unknown field is named as such.
 */
export function tableIssueLines(issues: readonly z.core.$ZodIssue[], prefix?: string): string[] {
  return issues.flatMap((issue) => {
    const at = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `${[...at, k].join(".")}: unknown field (check its spelling)`);
    const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [`${at.join(".") || "(table)"}: ${message}`];
  });
}
