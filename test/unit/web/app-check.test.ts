// The page's App Check (issue 18, "the rest"): which provider it starts where, and the emulators' debug token, which the
// Functions emulator decodes (without verifying) as firebase-functions does: a JWT whose subject is the app id.
import { describe, expect, it } from "vitest";
import { appCheckMode, emulatorDebugToken } from "../../../web/src/app-check";

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

describe("the page's App Check", () => {
  it("uses the debug token in the emulators, reCAPTCHA Enterprise deployed with a site key, and nothing without one", () => {
    expect(appCheckMode(true, undefined)).toEqual({ kind: "emulator-debug" });
    expect(appCheckMode(true, "site-key")).toEqual({ kind: "emulator-debug" });
    expect(appCheckMode(false, " site-key ")).toEqual({ kind: "recaptcha-enterprise", siteKey: "site-key" });
    expect(appCheckMode(false, undefined)).toEqual({ kind: "none" });
    expect(appCheckMode(false, "  ")).toEqual({ kind: "none" });
  });

  it("makes a JWT-shaped debug token for the app, valid for an hour", () => {
    const now = Date.UTC(2026, 0, 1);
    const { token, expireTimeMillis } = emulatorDebugToken("1:123:web:abc", "demo-project", now);
    // firebase-functions' JWT_REGEX: three base64url parts, the last (the signature) empty here.
    expect(token).toMatch(/^[a-zA-Z0-9\-_=]+?\.[a-zA-Z0-9\-_=]+?\.([a-zA-Z0-9\-_=]+)?$/);
    const [header, claims] = token.split(".");
    expect(decode(header!)).toEqual({ alg: "none", typ: "JWT" });
    expect(decode(claims!)).toMatchObject({ sub: "1:123:web:abc", aud: ["projects/demo-project"], iat: now / 1000 });
    expect(expireTimeMillis).toBe(now + 3_600_000);
    expect(decode(claims!).exp).toBe(expireTimeMillis / 1000);
  });
});
