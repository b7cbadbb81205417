// firebase-functions 7 ships ESM and CommonJS builds, and an onCall of one build does not recognise an HttpsError of
// the other (its caller gets INTERNAL instead of the error). The deployed bundle is CommonJS throughout, but a static
// import under an ESM runner (the tests) picks the ESM build; so every use of the https provider goes through require,
// one instance everywhere. Required when first used: loading it at start-up would slow every trigger's cold start.
import type * as https from "firebase-functions/v2/https";

export type HttpsProvider = typeof https;

export const httpsProvider = (): HttpsProvider => require("firebase-functions/v2/https") as HttpsProvider;
