// The contract of a built-in function that a function-call step (step_type 1) can call.

/** Where a function writes documents: Firestore in the cloud and the emulator, a JSONL file elsewhere. */
export interface DocumentSink {
  /**
   * Creates or overwrites `collection/documentId`; returns a human-readable location. `owner` is the uid the row is
   * written for (undefined: a job without an owner). A sink shared by several users (Firestore) never overwrites a
   * row whose owner differs: it throws RowOwnerConflict instead, and writes nothing.
   */
  write(collection: string, documentId: string, data: Record<string, unknown>, owner?: string): Promise<string>;
  /** Says where documents go, for the one line a run prints at its start. */
  readonly description: string;
}

export interface FunctionContext {
  /** Identifies this run of the task: the same on a retry of the same task run, so writes stay idempotent. */
  readonly executionId: string;
  readonly stepId: string;
  readonly sink: DocumentSink;
  /**
   * FIRESTORE_LOG_COLLECTIONS: when set, the only collections a function may write to. Passed in rather than
   * read from process.env so that a function's behaviour is decided by its caller (and a test) alone.
   */
  readonly allowedCollections?: readonly string[];
  /** The uid of the user whose job runs the step (the task's owner_uid); undefined for a job without an owner. */
  readonly ownerUid?: string | undefined;
  /** Told of each document the function wrote, after the write, so that the step's record names it. */
  readonly onWrite?: ((collection: string, documentId: string) => void) | undefined;
}

/** Returns the function's result text. Throws FunctionCallError when the call failed. */
export type BuiltinFunction = (request: string, ctx: FunctionContext) => Promise<string>;

export class FunctionCallError extends Error {
  constructor(
    message: string,
    /** The result text the function produced anyway (the original's `{status:"error",...}` JSON). */
    readonly response: string,
    /** Whether the same call can succeed later (a transient storage fault) or never (a bad request). */
    readonly isRetryable = false,
  ) {
    super(message);
    this.name = "FunctionCallError";
  }
}

/** Who holds a row that a write would have overwritten: never a row of another owner. */
export type RowHolder = "another user" | "no owner" | "a user";

/** Thrown by a sink that found the row held by another owner; retrying cannot help, another document_id can. */
export class RowOwnerConflict extends Error {
  constructor(
    readonly location: string,
    readonly heldBy: RowHolder,
  ) {
    super(`${location} was written for ${heldBy}`);
    this.name = "RowOwnerConflict";
  }
}
