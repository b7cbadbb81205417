// A batch file's JSONL lines, streamed from files.content one chunk at a time (an output file may hold hundreds of
// megabytes), under our own idle timeout: the read fails when no chunk comes for the timeout, never while the caller is
// busy with the lines already given.
import type OpenAI from "openai";
import { mapSdkError, type SdkCallContext } from "../../models/map-sdk-error";
import { ModelCallError } from "../../models/model-call-error";
import { redactApiKey } from "../../models/vendor-helpers";

export interface FileReadApi {
  sdk: () => Promise<{ client: OpenAI }>;
  context: (who: string) => Omit<SdkCallContext, "timedOut" | "aborted">;
  /** 0 = no timeout. */
  timeoutMs: number;
  apiKey: string;
}

export async function* readJsonLines(api: FileReadApi, fileId: string, what: string): AsyncGenerator<unknown> {
  const idle = idleTimer(api.timeoutMs);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let finished = false;
  try {
    const { client } = await api.sdk();
    idle.arm();
    const response = await client.files.content(fileId, { signal: idle.signal });
    reader = response.body?.getReader();
    if (!reader) return;
    const decoder = new TextDecoder();
    let rest = "";
    let lineNumber = 0;
    for (;;) {
      idle.arm();
      const { done, value } = await reader.read();
      idle.pause();
      rest += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const lines = rest.split("\n");
      rest = done ? "" : (lines.pop() ?? "");
      for (const text of lines) {
        lineNumber++;
        if (text.trim()) yield parseLine(text, lineNumber, what);
      }
      if (done) {
        finished = true;
        return;
      }
    }
  } catch (err) {
    if (err instanceof ModelCallError) throw err;
    const ctx = api.context(`the OpenAI-compatible server's batch API (reading the ${what})`);
    throw redactApiKey(mapSdkError(err, { ...ctx, timedOut: idle.timedOut(), aborted: false }), api.apiKey);
  } finally {
    idle.pause();
    // Stopped before the end (the caller broke off, or the read failed): release the connection. Cancelling a failed
    // stream rejects with the failure already thrown above, so that rejection is not a second error.
    if (!finished) await reader?.cancel().catch(() => undefined);
  }
}

function parseLine(text: string, lineNumber: number, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelCallError(
      `line ${lineNumber} of the ${what} is not JSON (${(err as Error).message}); reading it again may succeed`,
      "malformed",
      {
        cause: err,
      },
    );
  }
}

/** An abort signal that fires when armed for `timeoutMs` without a pause. */
function idleTimer(timeoutMs: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let fired = false;
  return {
    signal: controller.signal,
    timedOut: () => fired,
    arm() {
      clearTimeout(timer);
      if (timeoutMs <= 0) return;
      timer = setTimeout(() => {
        fired = true;
        controller.abort();
      }, timeoutMs);
      timer.unref();
    },
    pause: () => clearTimeout(timer),
  };
}
