// Reads the page's CSV downloads back (RFC 4180), to check them field by field.

export function parseCsv(text: string): Array<{ fields: string[] }> {
  const records: Array<{ fields: string[] }> = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      fields.push(field);
      records.push({ fields });
      fields = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field || fields.length) records.push({ fields: [...fields, field] });
  return records;
}
