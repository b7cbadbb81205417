// The batch rows table and its downloads: the export's columns and records (export-records.ts), filters, sorting,
// and the export's RFC 4180 CSV and JSONL (export-format.ts).
import { describe, expect, it } from "vitest";
import { headerLine, recordLine } from "../../../shared/batch/export-format";
import { batchColumns, runRecord } from "../../../shared/batch/export-records";
import { readJob, type Data, type JobView } from "../../../web/src/records";
import { exportColumns, filterRows, inputNames, rowsToCsv, rowsToJsonl, sortRows } from "../../../web/src/rows";

/** A batch run's job document as the engine writes it, read as the page reads it. */
const row = (
  id: string,
  rowIndex: number,
  status: string,
  inputs: Record<string, string>,
  outputs: Record<string, string> = {},
  extra: Data = {},
): JobView =>
  readJob(id, {
    job_id: id,
    status,
    batch_id: "b",
    row_id: id.split("~").slice(0, 2).join("~"),
    row_index: rowIndex,
    repeat: 0,
    runs: 1,
    inputs,
    output_payload: outputs,
    ...extra,
  });

const rows = [
  row("b~000002~000", 2, "failed", { city: "Oslo", lang: "no" }, {}, { error: { code: "model_error", message: "503, then gave up" } }),
  row(
    "b~000000~000",
    0,
    "success",
    { city: "Paris", lang: "fr" },
    { answer: 'He said "bonjour",\nthen left' },
    {
      usage: { prompt_tokens: 5, output_tokens: 7, total_tokens: 12, thinking_tokens: 3 },
      cost: { usd: 0.00012, unpriced_tokens: 0 },
      cached_steps: 1,
      latency_ms: 900,
    },
  ),
  row("b~000001~000", 1, "running", { city: "Lyon", lang: "fr" }),
];
const layout = { variables: ["lang", "city"], outputVariables: ["answer"] };

describe("exportColumns", () => {
  it("are the export's: the run's place, the batch's variables and outputs in its own order, prefixed, then how it ended and the job", () => {
    expect(exportColumns(rows, layout).map((c) => c.key)).toEqual([
      "row_id",
      "repeat",
      "model",
      "input.lang",
      "input.city",
      "output.answer",
      "status",
      "error_code",
      "error_message",
      "prompt_tokens",
      "output_tokens",
      "total_tokens",
      "thinking_tokens",
      "cached_tokens",
      "cache_write_tokens",
      "tool_use_prompt_tokens",
      "cost_usd",
      "standard_cost_usd",
      "unpriced_tokens",
      "cached_steps",
      "latency_ms",
      "attempts",
      "job_id",
    ]);
  });

  it("are the batch's variables exactly, as the export's; only before the batch is read, the variables the rows name, sorted", () => {
    const rows = [row("x~000000~000", 0, "success", { z: "1", a: "2", lang: "en" })];
    expect(
      exportColumns(rows, layout)
        .map((c) => c.key)
        .slice(3, 6),
    ).toEqual(["input.lang", "input.city", "output.answer"]);
    expect(
      exportColumns(rows)
        .map((c) => c.key)
        .slice(3, 6),
    ).toEqual(["input.a", "input.lang", "input.z"]);
  });

  it("gives a run's outputs only when it succeeded, as the export does", () => {
    const failed = row("x~000000~000", 0, "failed", {}, { answer: "partial" });
    expect(
      exportColumns([failed], layout)
        .find((c) => c.key === "output.answer")!
        .value(failed),
    ).toBeNull();
  });
});

describe("filterRows and sortRows", () => {
  it("filters by status, and by an input variable containing some text, case-insensitively", () => {
    expect(filterRows(rows, { status: "failed", variable: "", text: "" }).map((r) => r.rowIndex)).toEqual([2]);
    expect(filterRows(rows, { status: "", variable: "lang", text: "FR" }).map((r) => r.rowIndex)).toEqual([0, 1]);
    expect(filterRows(rows, { status: "success", variable: "lang", text: "fr" }).map((r) => r.rowIndex)).toEqual([0]);
    expect(inputNames(rows)).toEqual(["city", "lang"]);
  });

  it("sorts numbers by value and text as text, either way, with empty cells last", () => {
    const columns = exportColumns(rows, layout);
    expect(sortRows(rows, columns, { key: "job_id", descending: false }).map((r) => r.rowIndex)).toEqual([0, 1, 2]);
    expect(sortRows(rows, columns, { key: "input.city", descending: true }).map((r) => r.inputs.city)).toEqual(["Paris", "Oslo", "Lyon"]);
    expect(sortRows(rows, columns, { key: "total_tokens", descending: true }).map((r) => r.rowIndex)).toEqual([0, 2, 1]);
    expect(sortRows(rows, columns, { key: "row_id", descending: true }).map((r) => r.rowIndex)).toEqual([2, 1, 0]);
    expect(sortRows(rows, columns, { key: "total_tokens", descending: false }).map((r) => r.rowIndex)).toEqual([0, 2, 1]);
  });
});

describe("downloads", () => {
  it("writes RFC 4180 CSV: CRLF records, quotes only where needed, doubled quotes, empty cells for absent values", () => {
    const columns = exportColumns(rows, layout);
    const csv = rowsToCsv(sortRows(rows, columns, { key: "job_id", descending: false }), columns);
    expect(csv.split("\r\n")).toEqual([
      "row_id,repeat,model,input.lang,input.city,output.answer,status,error_code,error_message,prompt_tokens,output_tokens,total_tokens," +
        "thinking_tokens,cached_tokens,cache_write_tokens,tool_use_prompt_tokens,cost_usd,standard_cost_usd,unpriced_tokens,cached_steps,latency_ms,attempts,job_id",
      'b~000000,0,,fr,Paris,"He said ""bonjour"",\nthen left",success,,,5,7,12,3,,,,0.00012,,0,1,900,1,b~000000~000',
      "b~000001,0,,fr,Lyon,,running,,,,,,,,,,,,,,,1,b~000001~000",
      'b~000002,0,,no,Oslo,,failed,model_error,"503, then gave up",,,,,,,,,,,,,1,b~000002~000',
      "",
    ]);
  });

  it("writes what `npm run export` writes for the same jobs: its records, through its CSV writer", () => {
    const columns = exportColumns(rows, layout);
    const ordered = sortRows(rows, columns, { key: "job_id", descending: false });
    const batch = { variables: layout.variables, output_variables: layout.outputVariables };
    const exported =
      headerLine("csv", batchColumns(batch)) +
      ordered.map((r) => recordLine("csv", batchColumns(batch), runRecord(batch, r.id, r.doc))).join("");
    expect(rowsToCsv(ordered, columns)).toBe(exported);
  });

  it("writes one JSON object per row, keyed by the same columns, nulls for absent values", () => {
    const columns = exportColumns([rows[2]!], layout);
    expect(rowsToJsonl([rows[2]!], columns)).toBe(
      '{"row_id":"b~000001","repeat":0,"model":null,"input.lang":"fr","input.city":"Lyon","output.answer":null,"status":"running","error_code":null,' +
        '"error_message":null,"prompt_tokens":null,"output_tokens":null,"total_tokens":null,"thinking_tokens":null,"cached_tokens":null,' +
        '"cache_write_tokens":null,"tool_use_prompt_tokens":null,"cost_usd":null,"standard_cost_usd":null,"unpriced_tokens":null,"cached_steps":null,' +
        '"latency_ms":null,"attempts":1,"job_id":"b~000001~000"}\n',
    );
  });
});

describe("a final output too large for its job document", () => {
  const doc: Data = {
    job_id: "b~000009~000",
    status: "success",
    batch_id: "b",
    row_id: "b~000009",
    row_index: 9,
    repeat: 0,
    runs: 1,
    inputs: { city: "Rome", lang: "it" },
    output_payload_ref: "outputs/b~000009~000~run1~1~greet",
  };
  const layout = { variables: ["city", "lang"], outputVariables: ["answer"] };

  it("names the output document to read, and nothing for a job holding its output or not ended well", () => {
    expect(readJob(doc.job_id as string, doc).outputRef).toBe("outputs/b~000009~000~run1~1~greet");
    expect(readJob("x", { ...doc, output_payload: { answer: "here" } }).outputRef).toBeUndefined();
    expect(readJob("x", { ...doc, status: "failed" }).outputRef).toBeUndefined();
    expect(readJob("x", { ...doc, output_payload_ref: "jobs/elsewhere" }).outputRef).toBeUndefined();
  });

  it("shows the output once read, in the cells and the download as the export writes them", () => {
    const unread = readJob(doc.job_id as string, doc);
    expect(
      exportColumns([unread], layout)
        .find((c) => c.key === "output.answer")!
        .value(unread),
    ).toBeNull();
    const answer = "a very long answer, ".repeat(3);
    const read = readJob(doc.job_id as string, doc, { answer });
    expect(read.outputs).toEqual({ answer });
    const columns = exportColumns([read], layout);
    expect(columns.find((c) => c.key === "output.answer")!.value(read)).toBe(answer);
    const shape = { variables: layout.variables, output_variables: layout.outputVariables };
    const exported = runRecord(shape, read.id, doc, { answer });
    expect(rowsToCsv([read], columns)).toBe(headerLine("csv", batchColumns(shape)) + recordLine("csv", batchColumns(shape), exported));
  });
});
