// App Check for the page's calls, so that the callables can enforce it (ENFORCE_APP_CHECK=true) without refusing the
// page itself: deployed, reCAPTCHA Enterprise attests the page; in the emulators, a debug token made here.
import { CustomProvider, initializeAppCheck, ReCaptchaEnterpriseProvider } from "firebase/app-check";
import type { FirebaseApp } from "firebase/app";

/** Which App Check provider the page starts, if any: the page says so when a callable refuses a call for want of one. */
export type AppCheckMode = { kind: "recaptcha-enterprise"; siteKey: string } | { kind: "emulator-debug" } | { kind: "none" };

/** An hour, as App Check's own tokens last; the SDK asks for a new one before it ends. */
const DEBUG_TOKEN_TTL_MS = 60 * 60 * 1000;

/**
 * The provider for where the page runs: the emulators get the debug token, a deployed page reCAPTCHA Enterprise with
 * the site key it was built with (VITE_APP_CHECK_SITE_KEY), and a deployed page built without one none at all.
 */
export function appCheckMode(emulated: boolean, siteKey: string | undefined): AppCheckMode {
  if (emulated) return { kind: "emulator-debug" };
  const key = siteKey?.trim();
  return key ? { kind: "recaptcha-enterprise", siteKey: key } : { kind: "none" };
}

/**
 * The emulators' debug token: shaped as an App Check token (a JWT whose subject is the app id), unsigned. The Functions
 * emulator decodes App Check tokens without verifying them (firebase-tools sets firebase-functions' skipTokenVerification),
 * so any token passes there and only a call without one is refused, as deployed. The SDK's own debug provider
 * (FIREBASE_APPCHECK_DEBUG_TOKEN) cannot serve here: it trades its token at Google's App Check service for the project's
 * registered app, which a demo- project, offline, does not have.
 */
export function emulatorDebugToken(appId: string, projectId: string, nowMs: number): { token: string; expireTimeMillis: number } {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const issuedAt = Math.floor(nowMs / 1000);
  const expireTimeMillis = nowMs + DEBUG_TOKEN_TTL_MS;
  const claims = {
    iss: "emulator-debug-token",
    sub: appId,
    aud: [`projects/${projectId}`],
    iat: issuedAt,
    exp: Math.floor(expireTimeMillis / 1000),
  };
  return { token: `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`, expireTimeMillis };
}

/** Starts App Check on the app before any call is made; every callable call then carries its token. */
export function startAppCheck(app: FirebaseApp, mode: AppCheckMode): void {
  if (mode.kind === "none") {
    console.warn(
      "App Check is off: this page was built without VITE_APP_CHECK_SITE_KEY, so with ENFORCE_APP_CHECK=true the functions refuse its calls",
    );
    return;
  }
  const appId = app.options.appId ?? "emulator-app";
  const projectId = app.options.projectId ?? "emulator";
  const provider =
    mode.kind === "recaptcha-enterprise"
      ? new ReCaptchaEnterpriseProvider(mode.siteKey)
      : new CustomProvider({ getToken: () => Promise.resolve(emulatorDebugToken(appId, projectId, Date.now())) });
  initializeAppCheck(app, { provider, isTokenAutoRefreshEnabled: true });
}
