/**
 * RFC 4180 CSV, small and strict: comma-separated fields, double-quoted fields may hold commas, quotes ("")
 * and line breaks; CRLF or LF ends a record. Each record keeps the line it started on, for `file:line` errors.
 * Blank lines are skipped. A quote inside an unquoted field, or text after a closing quote, is an error rather
 * than a guess: a manifest that parses differently from what its author meant would provision the wrong board.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Skip blank lines between records.
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new CsvError(start, 'a quoted field is not closed');
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          throw new CsvError(line, 'text after a closing quote (quote the whole field, and double quotes inside it)');
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new CsvError(line, 'a quote inside an unquoted field (quote the whole field)');
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    records.push({ line: start, fields });
    if (i < n) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
    }
  }
  return records;
}
