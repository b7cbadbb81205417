// Reads the emulators' addresses out of the Hosting emulator's /__/firebase/init.js?useEmulator=true.

export interface EmulatorAddress {
  host: string;
  port: number;
  hostAndPort?: string;
}
export type EmulatorMap = Partial<Record<"firestore" | "auth" | "functions", EmulatorAddress>>;

/** firebase-tools writes `var firebaseEmulators = <JSON, indented>;` (or `= undefined;` when none run). */
export function parseEmulatorScript(script: string): EmulatorMap | undefined {
  const match = /var firebaseEmulators = (\{[\s\S]*?\n\}|\{\});/.exec(script);
  return match ? (JSON.parse(match[1]!) as EmulatorMap) : undefined;
}
