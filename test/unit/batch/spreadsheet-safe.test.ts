// CSV exports are safe to open in a spreadsheet (issue 18, "the rest"): a cell a spreadsheet would read as a formula
// gets a single quote before it (OWASP's CSV-injection advice), a plain number excepted; `raw` and JSONL stay exact.
import { describe, expect, it } from "vitest";
import { parseCsv, spreadsheetSafe } from "../../../shared/batch/csv";
import { headerLine, recordLine } from "../../../shared/batch/export-format";
import { exportColumns, rowsToCsv, rowsToJsonl } from "../../../web/src/rows";
import { readJob } from "../../../web/src/records";
import { HOSTILE } from "../../support/hostile-values";

describe("the spreadsheet-safe cell rule", () => {
  it("puts a ' before a value starting with =, +, -, @, a tab or a carriage return", () => {
    expect(spreadsheetSafe('=HYPERLINK("http://evil.example","click")')).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(spreadsheetSafe("+1+cmd|' /C calc'!A0")).toBe("'+1+cmd|' /C calc'!A0");
    expect(spreadsheetSafe("-2+3+cmd|' /C calc'!A0")).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(spreadsheetSafe("@SUM(1+1)")).toBe("'@SUM(1+1)");
    expect(spreadsheetSafe("\t=1+1")).toBe("'\t=1+1");
    expect(spreadsheetSafe("\r=1+1")).toBe("'\r=1+1");
    expect(spreadsheetSafe("-")).toBe("'-");
    expect(spreadsheetSafe("-1,5")).toBe("'-1,5");
    expect(spreadsheetSafe("+Infinity")).toBe("'+Infinity");
  });

  it("leaves a value that is purely a number as it is, signed, decimal or with an exponent", () => {
    for (const n of ["-1.5", "+3", "-0", "-.5", "-2.", "-2e-4", "+6.02E23", "42", "0.25"]) expect(spreadsheetSafe(n)).toBe(n);
  });

  it("leaves every other value as it is: a formula sign later in the text, a leading space, a line feed, the empty value", () => {
    for (const v of ["a=b", "1+1", " =1+1", "\n=1+1", "", "'=already quoted", "plain"]) expect(spreadsheetSafe(v)).toBe(v);
  });
});

describe("the export's CSV and JSONL", () => {
  const columns = ["a", "n"];
  const record = { a: "=1+1", n: -1.5 };

  it("CSV is spreadsheet-safe by default and exact with raw; JSONL is always exact", () => {
    expect(recordLine("csv", columns, record)).toBe("'=1+1,-1.5\r\n");
    expect(recordLine("csv", columns, record, { raw: true })).toBe("=1+1,-1.5\r\n");
    expect(recordLine("jsonl", columns, record)).toBe('{"a":"=1+1","n":-1.5}\n');
    expect(headerLine("csv", ["=x", "row_id"])).toBe("'=x,row_id\r\n");
    expect(headerLine("csv", ["=x", "row_id"], { raw: true })).toBe("=x,row_id\r\n");
  });

  it("a neutralised value is still one RFC 4180 field: quoted when it holds a comma, quote or line break", () => {
    const hostile = HOSTILE.map((a, i) => ({ a, n: i }));
    const text = hostile.map((r) => recordLine("csv", columns, r)).join("");
    expect(parseCsv(text).map((r) => r.fields)).toEqual(hostile.map((r) => [spreadsheetSafe(r.a), String(r.n)]));
  });

  it("the page's download follows the same rule, and its raw download is the export's --raw", () => {
    const row = readJob("b~000000~000", {
      batch_id: "b",
      row_id: "b~000000",
      row_index: 0,
      repeat: 0,
      runs: 1,
      status: "success",
      inputs: { city: "=cmd|' /C calc'!A0", delta: "-1.5" },
      output_payload: { answer: "@here" },
    });
    const shown = exportColumns([row], { variables: ["city", "delta"], outputVariables: ["answer"] });
    const [, safe] = parseCsv(rowsToCsv([row], shown)).map((r) => r.fields);
    const [, exact] = parseCsv(rowsToCsv([row], shown, { raw: true })).map((r) => r.fields);
    expect(safe?.slice(3, 6)).toEqual(["'=cmd|' /C calc'!A0", "-1.5", "'@here"]);
    expect(exact?.slice(3, 6)).toEqual(["=cmd|' /C calc'!A0", "-1.5", "@here"]);
    expect(JSON.parse(rowsToJsonl([row], shown))).toMatchObject({ "input.city": "=cmd|' /C calc'!A0", "output.answer": "@here" });
  });
});
