// The batch rows table and its downloads: the export's columns, filters, sorting, RFC 4180 CSV and JSONL.
import { describe, expect, it } from "vitest";
import type { JobView } from "../../../web/src/records";
import { csvField, exportColumns, filterRows, inputNames, rowsToCsv, rowsToJsonl, sortRows } from "../../../web/src/rows";

const row = (
  id: string,
  rowIndex: number,
  status: string,
  inputs: Record<string, string>,
  outputs: Record<string, string> = {},
  extra: Partial<JobView> = {},
): JobView => ({
  id,
  rowIndex,
  repeat: 0,
  status,
  inputs,
  outputs,
  tasksDone: 0,
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
    { usage: { prompt_tokens: 5, output_tokens: 7, total_tokens: 12 }, costUsd: 0.00012, latencyMs: 900 },
  ),
  row("b~000001~000", 1, "running", { city: "Lyon", lang: "fr" }),
];
const layout = { variables: ["lang", "city"], outputVariables: ["answer"], models: [] };

describe("exportColumns", () => {
  it("puts the batch's variables and outputs in its own order, prefixed, between the run's place and its figures", () => {
    expect(exportColumns(rows, layout).map((c) => c.key)).toEqual([
      "job_id",
      "row_index",
      "repeat",
      "status",
      "input.lang",
      "input.city",
      "output.answer",
      "error_code",
      "error_message",
      "total_tokens",
      "cost_usd",
      "latency_ms",
    ]);
  });

  it("adds a model column when the batch runs several models, and variables only the rows name, sorted, after the layout's", () => {
    const keys = exportColumns([row("x", 0, "success", { z: "1", a: "2", lang: "en" }, {}, { model: "GEMINI_PRO" })], layout).map(
      (c) => c.key,
    );
    expect(keys.slice(0, 8)).toEqual(["job_id", "row_index", "repeat", "model", "status", "input.lang", "input.city", "input.a"]);
    expect(keys).toContain("input.z");
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
    expect(sortRows(rows, columns, { key: "total_tokens", descending: false }).map((r) => r.rowIndex)).toEqual([0, 2, 1]);
  });
});

describe("downloads", () => {
  it("writes RFC 4180 CSV: CRLF records, quotes only where needed, doubled quotes, empty cells for absent values", () => {
    const columns = exportColumns(rows, layout);
    const csv = rowsToCsv(sortRows(rows, columns, { key: "job_id", descending: false }), columns);
    expect(csv.split("\r\n")).toEqual([
      "job_id,row_index,repeat,status,input.lang,input.city,output.answer,error_code,error_message,total_tokens,cost_usd,latency_ms",
      'b~000000~000,0,0,success,fr,Paris,"He said ""bonjour"",\nthen left",,,12,0.00012,900',
      "b~000001~000,1,0,running,fr,Lyon,,,,,,",
      'b~000002~000,2,0,failed,no,Oslo,,model_error,"503, then gave up",,,',
      "",
    ]);
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a\rb")).toBe('"a\rb"');
  });

  it("writes one JSON object per row, keyed by the same columns, nulls for absent values", () => {
    const columns = exportColumns([rows[2]!], layout);
    expect(rowsToJsonl([rows[2]!], columns)).toBe(
      '{"job_id":"b~000001~000","row_index":1,"repeat":0,"status":"running","input.lang":"fr","input.city":"Lyon","output.answer":null,"error_code":null,"error_message":null,"total_tokens":null,"cost_usd":null,"latency_ms":null}\n',
    );
  });
});
