// STUB (being implemented): a DocumentSink that appends each document as a JSON line to <dir>/<collection>.jsonl.
import type { DocumentSink } from "./builtin-function";

export function createJsonlSink(_dir: string): DocumentSink {
  throw new Error("not implemented yet");
}
