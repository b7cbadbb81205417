// A web client of the emulated project for the callables' suites: signed in through the Auth emulator, calling the
// Functions emulator (found through the hub) and reading Firestore as that user.
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions, httpsCallable, type FunctionsError } from "firebase/functions";
import { getAuth as getAdminAuth } from "firebase-admin/auth";
import { uniqueId } from "./firestore-test-env";

const PROJECT_ID = process.env.GCLOUD_PROJECT ?? "demo-llm-agent-executor";
const REGION = "us-central1";
const apps: FirebaseApp[] = [];

/**
 * firebase emulators:exec exports the Firestore and Auth addresses but not the Functions emulator's; the hub,
 * whose address it does export, lists every running emulator (so a port moved by EMULATOR_PORT_BASE is found).
 */
export async function functionsEmulatorAddress(): Promise<{ host: string; port: number }> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run this suite through `npm test` (it starts the emulators)");
  const emulators = (await (await fetch(`http://${hub}/emulators`)).json()) as Record<string, { host: string; port: number } | undefined>;
  if (!emulators.functions) throw new Error(`the Functions emulator is not running (the hub lists ${Object.keys(emulators).join(", ")})`);
  return emulators.functions;
}

/** A client with its own app, so that each test's sign-in state is its own. */
export function callableClient(functionsAt: { host: string; port: number }) {
  const app = initializeApp({ projectId: PROJECT_ID, apiKey: "demo-api-key" }, uniqueId("app"));
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
  const functions = getFunctions(app, REGION);
  connectFunctionsEmulator(functions, functionsAt.host, functionsAt.port);
  const firestore = getFirestore(app);
  const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(":");
  connectFirestoreEmulator(firestore, host!, Number(port));
  const submitJob = httpsCallable<{ job: unknown }, { job_id: string }>(functions, "submitJob");
  const submitBatch = httpsCallable<{ batch: unknown }, { batch_id: string }>(functions, "submitBatch", { timeout: 120_000 });
  /** A new account whose email is verified (SUBMITTERS' default admits only those), signed in with a fresh token. */
  const signUp = async (options: { verified?: boolean } = {}) => {
    const { user } = await createUserWithEmailAndPassword(auth, `${uniqueId("user")}@example.com`, "secret-password");
    if (options.verified === false) return user.uid;
    await getAdminAuth().updateUser(user.uid, { emailVerified: true });
    await user.getIdToken(true);
    return user.uid;
  };
  return { submitJob, submitBatch, signUp, firestore };
}

export async function deleteClients(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => deleteApp(app)));
}

export async function refusal(call: Promise<unknown>): Promise<FunctionsError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as FunctionsError,
  );
  if (!error) throw new Error("expected the call to be refused");
  return error;
}
