// Cold-start bound: a bare firebase-functions module with one empty Firestore trigger, loaded like functions/lib/index.js.
const { onDocumentCreated } = require("firebase-functions/v2/firestore");

exports.bare = onDocumentCreated("bench_bare/{id}", async () => {});
