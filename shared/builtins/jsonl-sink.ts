// A DocumentSink for runs outside Firebase: appends each document as a JSON line to <dir>/<collection>.jsonl.
import { appendFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DocumentSink } from "./builtin-function";

/**
 * One file per collection, one line per write: `{"collection","document_id","data"}`. Appending keeps every
 * write (a rerun adds a line rather than replacing one), which is what a user analysing rows wants to see.
 */
export function createJsonlSink(dir: string): DocumentSink {
  const folder = resolve(dir);
  return {
    description: `JSONL files in ${folder} (one <collection>.jsonl per collection)`,
    async write(collection, documentId, data) {
      await mkdir(folder, { recursive: true });
      const file = join(folder, `${fileNameFor(collection)}.jsonl`);
      // One appendFile per line: O_APPEND keeps concurrent writers' lines whole.
      await appendFile(file, `${JSON.stringify({ collection, document_id: documentId, data })}\n`, "utf8");
      return `${file} (document ${documentId})`;
    },
  };
}

/** Collection ids may hold characters no file name should (`..`, `\`, `:`); the line keeps the real id. */
function fileNameFor(collection: string): string {
  const safe = collection.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_");
  return safe || "_";
}
