// The RFC 4180 writer and reader: hostile values round-trip exactly, and a malformed file says which line.
import { describe, expect, it } from "vitest";
import { csvField, csvRecord, CsvSyntaxError, parseCsv } from "../../../shared/batch/csv";
import { HOSTILE } from "../../support/hostile-values";

describe("CSV (RFC 4180)", () => {
  it("quotes only the fields that need it, doubling quotes, and ends each record with CRLF", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvRecord(["a", "b,c", ""])).toBe('a,"b,c",\r\n');
  });

  it("round-trips commas, quotes, CR, LF, emoji and right-to-left text exactly", () => {
    const rows = [HOSTILE, [...HOSTILE].reverse(), HOSTILE.map((v, i) => `${i}:${v}`)];
    const text = rows.map(csvRecord).join("");
    expect(parseCsv(text).map((r) => r.fields)).toEqual(rows);
  });

  it("reads LF line ends, a missing final line break, a byte-order mark, and skips blank lines", () => {
    const records = parseCsv('\uFEFFa,b\n1,"x\ny"\n\n2,z');
    expect(records).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "x\ny"] },
      { line: 5, fields: ["2", "z"] },
    ]);
  });

  it("refuses a quote inside an unquoted field and an unclosed quote, naming the line", () => {
    expect(() => parseCsv('a,b\nc,d"e\n')).toThrow(
      new CsvSyntaxError(2, 'a quote inside an unquoted field; quote the whole field and double the quote ("")'),
    );
    expect(() => parseCsv('a\n"never closed\n')).toThrow(/line 2: a quoted field is never closed/);
    expect(() => parseCsv('"a"b\n')).toThrow(/line 1: text after the closing quote/);
  });
});
