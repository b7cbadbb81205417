// How the callable is defined when the functions module loads: ENFORCE_APP_CHECK decides whether a call without an
// App Check token is refused before the handler runs (driven through firebase-functions' own callable HTTP handler
// with a stand-in request and response), and FUNCTION_TARGET whether this instance defines the callable at all.
import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";

/** Loads the callable afresh under `enforce`, and calls it as the platform would: a POST with no tokens at all. */
async function loadCallable(env: { ENFORCE_APP_CHECK?: string | undefined; FUNCTION_TARGET?: string | undefined }) {
  vi.resetModules();
  vi.stubEnv("ENFORCE_APP_CHECK", env.ENFORCE_APP_CHECK);
  vi.stubEnv("FUNCTION_TARGET", env.FUNCTION_TARGET);
  return (await import("../../../functions/src/submit-job-callable")).submitJob;
}

async function callWithoutTokens(enforce: string | undefined): Promise<{ status: number; body: unknown }> {
  const submitJob = await loadCallable({ ENFORCE_APP_CHECK: enforce });
  if (!submitJob) throw new Error("submitJob is not defined with no FUNCTION_TARGET");
  const headers: Record<string, string> = { "content-type": "application/json" };
  const req = { method: "POST", headers, body: { data: { job: {} } }, header: (name: string) => headers[name.toLowerCase()] };
  const sent: { status: number; body: unknown } = { status: 200, body: undefined };
  const res = new EventEmitter();
  const responseHeaders = new Map<string, unknown>();
  Object.assign(res, {
    setHeader: (name: string, value: unknown) => responseHeaders.set(name, value),
    getHeader: (name: string) => responseHeaders.get(name),
    status: (code: number) => {
      sent.status = code;
      return res;
    },
    send: (body: unknown) => {
      sent.body = body;
      res.emit("finish");
      return res;
    },
    end: () => res.emit("finish"),
  });
  await submitJob(req as never, res as never);
  return sent;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("ENFORCE_APP_CHECK", () => {
  it("off by default: a call without an App Check token reaches the handler, which asks for a sign-in", async () => {
    const { status, body } = await callWithoutTokens(undefined);
    expect(status).toBe(401);
    expect(JSON.stringify(body)).toContain("to submit a job you need to be signed in");
  });

  it("true: the platform refuses a call without an App Check token before the handler runs", async () => {
    const { status, body } = await callWithoutTokens("true");
    expect(status).toBe(401);
    expect(body).toEqual({ error: { status: "UNAUTHENTICATED", message: "Unauthenticated" } });
  });
});

describe("FUNCTION_TARGET", () => {
  it("defines the callable for deploy-time discovery (no target) and in the instance serving it", async () => {
    expect(await loadCallable({})).toBeTypeOf("function");
    expect((await loadCallable({ FUNCTION_TARGET: "submitJob" }))?.__endpoint).toMatchObject({ callableTrigger: {} });
  });

  it("leaves it undefined in an instance serving a trigger, whose cold start then never loads the https provider", async () => {
    expect(await loadCallable({ FUNCTION_TARGET: "runTask" })).toBeUndefined();
  });
});
