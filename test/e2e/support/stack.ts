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
