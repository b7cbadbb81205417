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
const QUERY_BUILDERS = new Set<PropertyKey>(["where", "orderBy", "limit", "limitToLast", "offset", "select", "startAt", "startAfter", "endAt", "endBefore", "withConverter"]);

/**
 * A Proxy over the instance, its references, queries, transactions and batches. Firestore checks the
 * class of the references handed to it, so every wrapped reference is unwrapped again on the way in.
 */
export function countFirestore(db: Firestore): CountingFirestore {
  let ops: FirestoreOp[] = [];
  const targets = new WeakMap<object, object>();
  const unwrap = (value: unknown): unknown => (typeof value === "object" && value !== null ? (targets.get(value) ?? value) : value);
  const pathOf = (ref: unknown) => String((unwrap(ref) as { path?: unknown }).path ?? "?");
  const documentsOf = (result: unknown) => {
    const size = (result as { size?: unknown }).size;
    return typeof size === "number" ? Math.max(1, size) : 1;
  };
  const wrap = <T extends object>(target: T, handler: (target: T, prop: PropertyKey, value: Method, self: T) => unknown): T => {
    const proxy: T = new Proxy(target, {
      get(t, prop) {
        const value: unknown = Reflect.get(t, prop, t);
        if (typeof value !== "function") return value;
        const handled = handler(t, prop, value as Method, proxy);
        return handled === undefined ? (value as Method).bind(t) : handled;
      },
    });
    targets.set(proxy, target);
    return proxy;
  };

  // Transactions and batches: reads return snapshots, writes return the writer itself for chaining.
  const wrapWriter = <T extends object>(writer: T, via: FirestoreOp["via"]): T =>
    wrap(writer, (t, prop, method, self) => {
      if (prop === "get") {
        return async (refOrQuery: unknown, ...rest: unknown[]) => {
          const result = await method.call(t, unwrap(refOrQuery), ...rest);
          ops.push({ kind: "read", path: pathOf(refOrQuery), via, documents: documentsOf(result) });
          return result;
        };
      }
      if (prop === "getAll") {
        return async (...refs: unknown[]) => {
          const result = (await method.call(t, ...refs.map(unwrap))) as unknown[];
          for (const ref of refs.filter((r) => (unwrap(r) as { path?: unknown }).path !== undefined)) ops.push({ kind: "read", path: pathOf(ref), via, documents: 1 });
          return result;
        };
      }
      if (WRITES.has(prop)) {
        return (ref: unknown, ...rest: unknown[]) => {
          ops.push({ kind: prop as FirestoreOpKind, path: pathOf(ref), via, documents: 1, ...(prop === "create" ? { data: rest[0] as Record<string, unknown> } : {}) });
          method.call(t, unwrap(ref), ...rest);
          return self;
        };
      }
      return undefined;
    });

  const wrapQuery = <T extends object>(query: T): T =>
    wrap(query, (t, prop, method) => {
      if (prop === "get") {
        return async () => {
          const result = await method.call(t);
          ops.push({ kind: "read", path: pathOf(t), via: "direct", documents: documentsOf(result) });
          return result;
        };
      }
      if (prop === "doc") return (...args: unknown[]) => wrapDocument(method.apply(t, args) as object);
      if (QUERY_BUILDERS.has(prop)) return (...args: unknown[]) => wrapQuery(method.apply(t, args) as object);
      return undefined;
    });

  const wrapDocument = <T extends object>(ref: T): T =>
    wrap(ref, (t, prop, method) => {
      if (prop === "get") {
        return async (...args: unknown[]) => {
          const result = await method.apply(t, args);
          ops.push({ kind: "read", path: pathOf(t), via: "direct", documents: 1 });
          return result;
        };
      }
      if (WRITES.has(prop)) {
        return async (...args: unknown[]) => {
          const result = await method.apply(t, args);
          ops.push({ kind: prop as FirestoreOpKind, path: pathOf(t), via: "direct", documents: 1 });
          return result;
        };
      }
      if (prop === "collection") return (...args: unknown[]) => wrapQuery(method.apply(t, args) as object);
      return undefined;
    });

  const counted = wrap(db, (t, prop, method) => {
    if (prop === "runTransaction") {
      return (update: (tx: object) => Promise<unknown>, ...rest: unknown[]) => method.call(t, (tx: object) => update(wrapWriter(tx, "transaction")), ...rest);
    }
    if (prop === "batch") return () => wrapWriter(method.call(t) as object, "batch");
    if (prop === "getAll") {
      return async (...refs: unknown[]) => {
        const result = await method.call(t, ...refs.map(unwrap));
        for (const ref of refs.filter((r) => (unwrap(r) as { path?: unknown }).path !== undefined)) ops.push({ kind: "read", path: pathOf(ref), via: "direct", documents: 1 });
        return result;
      };
    }
    if (prop === "collection" || prop === "collectionGroup") return (...args: unknown[]) => wrapQuery(method.apply(t, args) as object);
    if (prop === "doc") return (...args: unknown[]) => wrapDocument(method.apply(t, args) as object);
    return undefined;
  });

  return {
    db: counted,
    take: () => {
      const taken = ops;
      ops = [];
      return taken;
    },
  };
}
