// A control for the export's memory test: reads every job of a batch at once and holds them, as an export that did not
// stream would. Run with a small heap, it must run out of memory where the streaming export does not.
import { getDb } from "../../shared/pipeline/firestore";

const db = await getDb();
const snap = await db.collection("jobs").where("batch_id", "==", process.argv[2]!).get();
const held = snap.docs.map((d) => d.data());
process.stdout.write(`held ${held.length} jobs\n`);
process.exit(0);
