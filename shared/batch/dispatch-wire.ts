// How a dispatch travels through the queue: as JSON text with every non-ASCII character escaped (\uXXXX). The Cloud
// Tasks emulator of firebase-tools 13 decodes a task's body with atob(), as Latin-1, which garbles any UTF-8 text
// (firebase-tools#8836, fixed in 14.x); ASCII reads the same either way, and Cloud Tasks itself is unaffected.
import type { RowDispatch } from "./batch-schema";

export interface WireDispatch {
  dispatch: string;
}

export function encodeDispatch(dispatch: RowDispatch): WireDispatch {
  return { dispatch: JSON.stringify(dispatch).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) };
}

/** The dispatch inside a wire payload; anything else as it came, for the schema to judge. */
export function decodeDispatch(data: unknown): unknown {
  const text = (data as Partial<WireDispatch> | null)?.dispatch;
  if (typeof text !== "string") return data;
  try {
    return JSON.parse(text);
  } catch {
    return data;
  }
}
