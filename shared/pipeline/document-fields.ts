// Reading fields of a Firestore document as either SDK returns them (untyped), without trusting their types: the
// operator tools, the export and the page read documents the pipeline wrote, and a hand-edited one must not crash them.
// Pure, and free of firebase-admin, so that the page (web/) uses it too.

/** A map field's entries; a missing field, or one that is not a map, reads as empty. */
export const mapField = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A timestamp field of either SDK (anything with toMillis), in epoch ms. */
export const millisOf = (value: unknown): number | undefined => {
  const toMillis = (value as { toMillis?: unknown } | null | undefined)?.toMillis;
  return typeof toMillis === "function" ? (toMillis.call(value) as number) : undefined;
};

/** A number field; anything else reads as `fallback`. */
export const numberField = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);
