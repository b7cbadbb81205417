// Connects the Firebase web SDK: the project's config from Hosting's reserved /__/firebase/init.json, and, when the
// page is served by the Hosting emulator, the other emulators' addresses from the emulator's own init script. App Check
// starts before any other service, so that every call carries its token (app-check.ts).
import { initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, type Auth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions, type Functions } from "firebase/functions";
import { appCheckMode, startAppCheck, type AppCheckMode } from "./app-check";
import { parseEmulatorScript, type EmulatorMap } from "./emulator-script";

/** The region the callables are deployed in (firebase-functions' default). */
export const FUNCTIONS_REGION = "us-central1";

export interface Backend {
  app: FirebaseApp;
  auth: Auth;
  db: Firestore;
  functions: Functions;
  /** True when every service is an emulator (the local stack, the end-to-end tests). */
  emulated: boolean;
  /** The App Check provider the page started: the emulators' debug token, reCAPTCHA Enterprise, or none. */
  appCheck: AppCheckMode;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export async function connectBackend(): Promise<Backend> {
  const config = await fetchJson("/__/firebase/init.json");
  const emulators = LOCAL_HOSTS.has(location.hostname) ? await emulatorAddresses() : undefined;
  const app = initializeApp(config as Record<string, string>);
  const appCheck = appCheckMode(Boolean(emulators), import.meta.env.VITE_APP_CHECK_SITE_KEY);
  startAppCheck(app, appCheck);
  const auth = getAuth(app);
  const db = getFirestore(app);
  const functions = getFunctions(app, FUNCTIONS_REGION);
  if (emulators) {
    if (!emulators.firestore || !emulators.auth || !emulators.functions) {
      throw new Error(
        `the emulators running are ${Object.keys(emulators).join(", ") || "none"}; the page needs firestore, auth and functions`,
      );
    }
    connectAuthEmulator(auth, `http://${emulators.auth.hostAndPort ?? `${emulators.auth.host}:${emulators.auth.port}`}`, {
      disableWarnings: true,
    });
    connectFirestoreEmulator(db, emulators.firestore.host, emulators.firestore.port);
    connectFunctionsEmulator(functions, emulators.functions.host, emulators.functions.port);
  }
  return { app, auth, db, functions, emulated: Boolean(emulators), appCheck };
}

/**
 * The Hosting emulator answers /__/firebase/init.js?useEmulator=true with `var firebaseEmulators = {...};`, the
 * addresses of the emulators running beside it (firebase-tools' implicitInit), so ports moved by
 * EMULATOR_PORT_BASE are found without a file of our own. Deployed Hosting has no emulators: undefined.
 */
async function emulatorAddresses(): Promise<EmulatorMap | undefined> {
  const response = await fetch("/__/firebase/init.js?useEmulator=true");
  if (!response.ok) return undefined;
  return parseEmulatorScript(await response.text());
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`${url} answered ${response.status}: serve the page with Firebase Hosting (or its emulator), which provides it`);
  return response.json();
}
