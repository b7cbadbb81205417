// What a Firestore document id may be, and what an id a user chooses (job_id, task_id, a step's id, batch_id) may
// hold. User ids go into the pipeline's document ids as they are, never rewritten: two ids that differ always name
// two documents. Browser-safe (TextEncoder, no Buffer): the results page checks configs with these rules too.

// TextEncoder rather than Buffer: this module also runs in the browser.
const utf8 = new TextEncoder();

/** Why a string cannot be a Firestore document (or collection) id, or undefined if it can. */
export function documentIdProblem(id: string): string | undefined {
  if (id === "") return "it is empty";
  if (id.includes("/")) return 'it contains "/"';
  if (id === "." || id === "..") return 'it is "." or ".."';
  if (/^__.*__$/s.test(id)) return "ids of the form __name__ are reserved by Firestore";
  if (utf8.encode(id).length > 1500) return "it is longer than 1,500 bytes";
  return undefined;
}

/**
 * The separator of the ids the pipeline composes: a batch's rows and runs (`<batch>~000003~000`) and a job's task
 * documents (`<job>~run1~2~<task>`). Reserved in every user id, so that no user id can be read as, or take, a
 * composed one (a job named like another user's batch run would otherwise hold that run's place).
 */
export const ID_SEPARATOR = "~";

/** Said in every message about a refused id. */
export const ID_CHARACTERS = "letters and digits (any script, accents included) and _ - . : @ +";
const ID_CHARACTER = /^[\p{L}\p{M}\p{N}_.:@+-]$/u;

/**
 * Long enough for any name a person writes; short enough that a task document id (job id, run, hop and task id,
 * each at most this long, 3 bytes a UTF-16 unit at most) stays inside Firestore's 1,500 bytes without cutting it.
 */
export const MAX_ID_CHARS = 200;

/** Why `id` cannot be a user-chosen id, or undefined if it can. The caller names the field. */
export function idProblem(id: string): string | undefined {
  if (id.includes(ID_SEPARATOR)) return `"${ID_SEPARATOR}" is reserved: it separates the parts of the pipeline's own ids`;
  const refused = [...id].find((char) => !ID_CHARACTER.test(char));
  if (refused !== undefined) return `it holds ${describeCharacter(refused)}; an id may hold only ${ID_CHARACTERS}`;
  if (id.length > MAX_ID_CHARS) return `it is longer than ${MAX_ID_CHARS} characters`;
  return documentIdProblem(id);
}

/** `" " (U+0020)`: the character as written and its code point, since a space or a tab looks like nothing. */
function describeCharacter(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return `${JSON.stringify(char)} (${code})`;
}
