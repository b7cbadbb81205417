// Who is calling a callable, checked before anything else: signed in, and admitted by SUBMITTERS. Shared by every
// callable that submits or cancels work.
import { httpsProvider } from "./https-provider";
import { parseSubmitters, submitRefusal, SUBMITTERS_ENV, type Caller, type SubmitterRule } from "../../shared/pipeline/submit-access";

const { HttpsError } = httpsProvider();

let rules: { text: string | undefined; parsed: SubmitterRule[] } | undefined;

/** SUBMITTERS as the environment holds it now (tests change it); a setting that does not parse refuses every call. */
function submitterRules(): SubmitterRule[] {
  const text = process.env[SUBMITTERS_ENV];
  if (rules && rules.text === text) return rules.parsed;
  try {
    rules = { text, parsed: parseSubmitters(text) };
    return rules.parsed;
  } catch (err) {
    // Fail closed: a mistyped allow-list must not admit everyone.
    throw new HttpsError("failed-precondition", `the project's setting is wrong, so no call is admitted: ${(err as Error).message}`);
  }
}

/** The caller's uid, or the HttpsError that says why they may not `what` (for example "submit a job"). */
export function admittedCaller(auth: Caller | undefined, what: string): string {
  if (!auth)
    throw new HttpsError("unauthenticated", `to ${what} you need to be signed in: sign in with Firebase Authentication, then call again`);
  const refused = submitRefusal(submitterRules(), auth);
  if (refused) throw new HttpsError("permission-denied", `you may not ${what}: ${refused}`);
  return auth.uid;
}
