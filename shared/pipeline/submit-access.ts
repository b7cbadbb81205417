// Who may submit and cancel work through the callables: the setting SUBMITTERS, a comma-separated list of rules, any
// one of which admits a signed-in caller. Pure: the callables hand in the caller's verified ID token claims.

export const SUBMITTERS_ENV = "SUBMITTERS";

/**
 * `verified`: any signed-in user whose email address is verified (Google sign-in always is; an email-and-password
 * sign-up is not until its owner opens the verification link). Safe deployed: signing up alone grants nothing.
 */
export const DEFAULT_SUBMITTERS = "verified";

export type SubmitterRule =
  { kind: "verified" } | { kind: "email"; email: string } | { kind: "domain"; domain: string } | { kind: "claim"; claim: string };

/** What the callables know of a caller: the uid and the claims of their verified ID token. */
export interface Caller {
  uid: string;
  token: Readonly<Record<string, unknown>>;
}

const EMAIL = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;
const DOMAIN = /^@[^@\s,]+\.[^@\s,]+$/;
const CLAIM = /^claim:([A-Za-z_][A-Za-z0-9_]*)$/;

/** The rules of SUBMITTERS (unset: the default); an entry that is none of them throws, naming it and the setting. */
export function parseSubmitters(text: string | undefined): SubmitterRule[] {
  const entries = (text?.trim() ? text : DEFAULT_SUBMITTERS)
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (!entries.length) throw new Error(`${SUBMITTERS_ENV} lists no rule; leave it unset for "${DEFAULT_SUBMITTERS}"`);
  return entries.map((entry): SubmitterRule => {
    if (entry === "verified") return { kind: "verified" };
    const claim = CLAIM.exec(entry)?.[1];
    if (claim) return { kind: "claim", claim };
    if (DOMAIN.test(entry)) return { kind: "domain", domain: entry.slice(1).toLowerCase() };
    if (EMAIL.test(entry)) return { kind: "email", email: entry.toLowerCase() };
    throw new Error(
      `${SUBMITTERS_ENV} entry ${JSON.stringify(entry)} is not a rule: use verified, an address (ada@example.com), ` +
        `a domain (@example.com) or a custom claim (claim:submitter); fix it in functions/.env`,
    );
  });
}

/** Undefined when a rule admits the caller; else what stands in the way and what to do about it. */
export function submitRefusal(rules: readonly SubmitterRule[], caller: Caller): string | undefined {
  const email = typeof caller.token.email === "string" ? caller.token.email.toLowerCase() : undefined;
  const verified = caller.token.email_verified === true && email !== undefined;
  if (rules.some((rule) => admits(rule, caller, verified ? email : undefined))) return undefined;
  const needsEmail = rules.some((rule) => rule.kind !== "claim");
  if (needsEmail && !verified) {
    return email
      ? `your email address ${email} is not verified: open the verification link sent to it (or sign in with Google), then sign in again`
      : "your account has no email address: sign in with a verified email address (or with Google)";
  }
  return `${email ?? caller.uid} may not submit to this project, which admits ${describeRules(rules)}; ask its operator to add you to ${SUBMITTERS_ENV} (functions/.env)`;
}

function admits(rule: SubmitterRule, caller: Caller, verifiedEmail: string | undefined): boolean {
  switch (rule.kind) {
    case "verified":
      return verifiedEmail !== undefined;
    case "email":
      return verifiedEmail === rule.email;
    case "domain":
      return verifiedEmail?.endsWith(`@${rule.domain}`) === true;
    case "claim":
      return caller.token[rule.claim] === true;
  }
}

export function describeRules(rules: readonly SubmitterRule[]): string {
  return rules
    .map((rule) => {
      switch (rule.kind) {
        case "verified":
          return "any verified email address";
        case "email":
          return rule.email;
        case "domain":
          return `verified addresses at @${rule.domain}`;
        case "claim":
          return `users with the custom claim ${rule.claim}`;
      }
    })
    .join(", ");
}
