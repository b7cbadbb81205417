// A signed-in caller as the callables see it: a uid and the claims of its verified ID token.
import type { Caller } from "../../shared/pipeline/submit-access";

/** A caller whose email address is verified, so that the default SUBMITTERS (`verified`) admits it. */
export const verifiedCaller = (uid: string, claims: Record<string, unknown> = {}): Caller => ({
  uid,
  token: { email: `${uid}@example.com`, email_verified: true, ...claims },
});
