// Wraps a Firestore instance so that every document read and write the code makes through it is recorded.
import type { Firestore } from "firebase-admin/firestore";

export type FirestoreOpKind = "read" | "create" | "set" | "update" | "delete";

export interface FirestoreOp {
  kind: FirestoreOpKind;
  /** Document path, or the collection path of a query. */
  path: string;
  via: "transaction" | "batch" | "direct";
  /** Documents billed: 1 for a write or a document read, the documents returned (at least 1) for a query. */
  documents: number;
  /** The data a create() wrote, as given (server-timestamp sentinels included). */
  data?: Record<string, unknown>;
}

export interface CountingFirestore {
  /** Use this wherever the code takes a Firestore: it behaves as the original. */
  db: Firestore;
  /** Returns the operations recorded since the last take, and starts a new list. */
  take(): FirestoreOp[];
}

export const readsOf = (ops: readonly FirestoreOp[]) => ops.filter((o) => o.kind === "read").reduce((n, o) => n + o.documents, 0);
export const writesOf = (ops: readonly FirestoreOp[]) => ops.filter((o) => o.kind !== "read").reduce((n, o) => n + o.documents, 0);

type Method = (...args: unknown[]) => unknown;
const WRITES = new Set<PropertyKey>(["create", "set", "update", "delete"]);
// Methods of CollectionReference and Query that return another Query.
const QUERY_BUILDERS = new Set<PropertyKey>([
  "where",
  "orderBy",
  "limit",
  "limitToLast",
  "offset",
  "select",
  "startAt",
  "startAfter",
  "endAt",
  "endBefore",
  "withConverter",
]);

/**
 * A Proxy over the instance, its references, queries, transactions and batches. Firestore checks the
 * class of the references handed to it, so every wrapped reference is unwrapped again on the way in.
 */
export function countFirestore(db: Firestore): CountingFirestore {
  let ops: FirestoreOp[] = [];
  const counter: Counter = { record: (op) => ops.push(op), targets: new WeakMap() };
  return {
    db: wrapFirestore(counter, db),
    take: () => {
      const taken = ops;
      ops = [];
      return taken;
    },
  };
}

/** What every wrapper shares: where operations are recorded, and the original behind each proxy made. */
interface Counter {
  record(op: FirestoreOp): void;
  targets: WeakMap<object, object>;
}

/** Decides what a wrapped object's method becomes; undefined leaves the method as it is. */
type MethodHandler<T> = (target: T, prop: PropertyKey, value: Method, self: T) => unknown;

function unwrap(counter: Counter, value: unknown): unknown {
  return typeof value === "object" && value !== null ? (counter.targets.get(value) ?? value) : value;
}

function pathOf(counter: Counter, ref: unknown): string {
  const path = (unwrap(counter, ref) as { path?: unknown }).path;
  return typeof path === "string" ? path : "?";
}

function documentsOf(result: unknown): number {
  const size = (result as { size?: unknown }).size;
  return typeof size === "number" ? Math.max(1, size) : 1;
}

function wrap<T extends object>(counter: Counter, target: T, handler: MethodHandler<T>): T {
  const proxy: T = new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      const handled = handler(t, prop, value as Method, proxy);
      return handled === undefined ? (value as Method).bind(t) : handled;
    },
  });
  counter.targets.set(proxy, target);
  return proxy;
}

/** getAll of the instance or a transaction: one read per document reference given (not per option argument). */
function countedGetAll(counter: Counter, t: object, method: Method, via: FirestoreOp["via"]) {
  return async (...refs: unknown[]) => {
    const result = await method.call(t, ...refs.map((ref) => unwrap(counter, ref)));
    for (const ref of refs.filter((r) => (unwrap(counter, r) as { path?: unknown }).path !== undefined))
      counter.record({ kind: "read", path: pathOf(counter, ref), via, documents: 1 });
    return result;
  };
}

function wrapFirestore(counter: Counter, db: Firestore): Firestore {
  return wrap(counter, db, (t, prop, method) => {
    if (prop === "runTransaction") {
      return (update: (tx: object) => Promise<unknown>, ...rest: unknown[]) =>
        method.call(t, (tx: object) => update(wrapWriter(counter, tx, "transaction")), ...rest);
    }
    if (prop === "batch") return () => wrapWriter(counter, method.call(t) as object, "batch");
    if (prop === "getAll") return countedGetAll(counter, t, method, "direct");
    if (prop === "collection" || prop === "collectionGroup")
      return (...args: unknown[]) => wrapQuery(counter, method.apply(t, args) as object);
    if (prop === "doc") return (...args: unknown[]) => wrapDocument(counter, method.apply(t, args) as object);
    return undefined;
  });
}

/** Transactions and batches: reads return snapshots, writes return the writer itself for chaining. */
function wrapWriter<T extends object>(counter: Counter, writer: T, via: FirestoreOp["via"]): T {
  return wrap(counter, writer, (t, prop, method, self) => {
    if (prop === "get") {
      return async (refOrQuery: unknown, ...rest: unknown[]) => {
        const result = await method.call(t, unwrap(counter, refOrQuery), ...rest);
        counter.record({ kind: "read", path: pathOf(counter, refOrQuery), via, documents: documentsOf(result) });
        return result;
      };
    }
    if (prop === "getAll") return countedGetAll(counter, t, method, via);
    if (WRITES.has(prop)) {
      return (ref: unknown, ...rest: unknown[]) => {
        counter.record({
          kind: prop as FirestoreOpKind,
          path: pathOf(counter, ref),
          via,
          documents: 1,
          ...(prop === "create" ? { data: rest[0] as Record<string, unknown> } : {}),
        });
        method.call(t, unwrap(counter, ref), ...rest);
        return self;
      };
    }
    return undefined;
  });
}

function wrapQuery<T extends object>(counter: Counter, query: T): T {
  return wrap(counter, query, (t, prop, method) => {
    if (prop === "get") {
      return async () => {
        const result = await method.call(t);
        counter.record({ kind: "read", path: pathOf(counter, t), via: "direct", documents: documentsOf(result) });
        return result;
      };
    }
    if (prop === "doc") return (...args: unknown[]) => wrapDocument(counter, method.apply(t, args) as object);
    if (QUERY_BUILDERS.has(prop)) return (...args: unknown[]) => wrapQuery(counter, method.apply(t, args) as object);
    return undefined;
  });
}

function wrapDocument<T extends object>(counter: Counter, ref: T): T {
  return wrap(counter, ref, (t, prop, method) => {
    if (prop === "get") {
      return async (...args: unknown[]) => {
        const result = await method.apply(t, args);
        counter.record({ kind: "read", path: pathOf(counter, t), via: "direct", documents: 1 });
        return result;
      };
    }
    if (WRITES.has(prop)) {
      return async (...args: unknown[]) => {
        const result = await method.apply(t, args);
        counter.record({ kind: prop as FirestoreOpKind, path: pathOf(counter, t), via: "direct", documents: 1 });
        return result;
      };
    }
    if (prop === "collection") return (...args: unknown[]) => wrapQuery(counter, method.apply(t, args) as object);
    return undefined;
  });
}
