// The built-in functions a function-call step may name, with the original names kept as aliases.
import type { BuiltinFunction } from "./builtin-function";
import { firestoreLog } from "./firestore-log";

export type FunctionRegistry = Readonly<Record<string, BuiltinFunction>>;

export const BUILTIN_FUNCTIONS: FunctionRegistry = {
  firestore_log: firestoreLog,
  gcp_firestore_log: firestoreLog,
};
