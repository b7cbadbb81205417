// Hop-latency bound: a bare pair of triggers that only create the next document (no engine, no model, no transaction).
// @ts-check
const { onDocumentCreated } = require("firebase-functions/v2/firestore");

/** @type {import("firebase-admin/firestore").Firestore | undefined} */
let db;

// Loaded on the first event, like the real triggers, so that both pay the same module load at worker start.
function firestore() {
  if (!db) {
    const { getApps, initializeApp } = require("firebase-admin/app");
    const { getFirestore } = require("firebase-admin/firestore");
    db = getFirestore(getApps()[0] ?? initializeApp());
  }
  return db;
}

/**
 * @param {string} chainId
 * @param {number} hop
 * @param {number} hops
 */
function createHop(chainId, hop, hops) {
  const { FieldValue } = require("firebase-admin/firestore");
  return firestore()
    .doc(`bench_bare_tasks/${chainId}~${hop}`)
    .create({ chain_id: chainId, hop, hops, created_at: FieldValue.serverTimestamp() });
}

// bench_bare_jobs/{chainId} {hops}: the counterpart of startJob, it creates the chain's first document.
exports.benchBareStart = onDocumentCreated("bench_bare_jobs/{chainId}", async (event) => {
  const hops = Number(event.data?.get("hops") ?? 0);
  if (hops > 0) await createHop(event.params.chainId, 1, hops);
});

// bench_bare_tasks/{chainId}~{hop}: the counterpart of runTask, it creates the next document until the last hop.
exports.benchBareHop = onDocumentCreated("bench_bare_tasks/{taskId}", async (event) => {
  const chainId = String(event.data?.get("chain_id") ?? "");
  const hop = Number(event.data?.get("hop") ?? 0);
  const hops = Number(event.data?.get("hops") ?? 0);
  if (chainId && hop < hops) await createHop(chainId, hop + 1, hops);
});
