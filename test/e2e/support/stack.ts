// The emulated stack the end-to-end suite drives: the page's address and a signed-up user. (Batches are submitted
// for real, through the page's form and the submitBatch callable.)
import { getAuth } from "firebase-admin/auth";

/** The Hosting emulator's address, from the hub's list of running emulators (so EMULATOR_PORT_BASE moves it too). */
export async function pageUrl(): Promise<string> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run this suite through `npm test` (it starts the emulators)");
  const emulators = (await (await fetch(`http://${hub}/emulators`)).json()) as Record<string, { host: string; port: number } | undefined>;
  const hosting = emulators.hosting;
  if (!hosting) throw new Error(`the Hosting emulator is not running (the hub lists ${Object.keys(emulators).join(", ")})`);
  return `http://${hosting.host}:${hosting.port}/`;
}

/** A user on the Auth emulator (firebase-admin reaches it through FIREBASE_AUTH_EMULATOR_HOST), email verified as SUBMITTERS asks. */
export async function createUser(email: string, password: string): Promise<string> {
  const user = await getAuth().createUser({ email, password, emailVerified: true });
  return user.uid;
}

/** Where a callable answers on the Functions emulator (us-central1, the project of the session). */
export async function callableUrl(name: string): Promise<string> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run this suite through `npm test` (it starts the emulators)");
  const emulators = (await (await fetch(`http://${hub}/emulators`)).json()) as Record<string, { host: string; port: number } | undefined>;
  const functions = emulators.functions;
  if (!functions) throw new Error(`the Functions emulator is not running (the hub lists ${Object.keys(emulators).join(", ")})`);
  return `http://${functions.host}:${functions.port}/${process.env.GCLOUD_PROJECT}/us-central1/${name}`;
}

/** A signed-in user's ID token, from the Auth emulator's REST API, as the page's SDK gets one. */
export async function idTokenFor(email: string, password: string): Promise<string> {
  const host = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  const response = await fetch(`http://${host}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=fake-api-key`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  const body = (await response.json()) as { idToken?: string };
  if (!body.idToken) throw new Error(`the Auth emulator did not sign ${email} in: ${JSON.stringify(body)}`);
  return body.idToken;
}

/** Calls a callable over HTTP as a client SDK would: the data wrapped, the ID token and any App Check token as headers. */
export async function callCallable(
  name: string,
  data: unknown,
  headers: { idToken: string; appCheckToken?: string | undefined },
): Promise<{ status: number; body: { result?: unknown; error?: { status?: string; message?: string } } }> {
  const response = await fetch(await callableUrl(name), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${headers.idToken}`,
      ...(headers.appCheckToken ? { "x-firebase-appcheck": headers.appCheckToken } : {}),
    },
    body: JSON.stringify({ data }),
  });
  return { status: response.status, body: (await response.json()) as { result?: unknown; error?: { status?: string; message?: string } } };
}
