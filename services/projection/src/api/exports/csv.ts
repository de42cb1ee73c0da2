import type { Cell, ColumnKind, ExportTable } from './table.ts';

/**
 * A cell that a spreadsheet would run as a formula when it starts with one of these (CSV injection, OWASP): a name
 * from an areas file like `=HYPERLINK(...)` must stay text. Tab and carriage return start formulas in some too.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text made inert (a leading apostrophe, as OWASP advises) and quoted when it holds a comma, quote or line break. */
export function csvText(value: string): string {
  const inert = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
}

const trim = (n: number, digits: number) => String(Number(n.toFixed(digits)));

/** Numbers stay numbers: integers as they are, rates as a percentage with two decimals (Excel reads them as numbers). */
export function csvCell(cell: Cell, kind: ColumnKind): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return csvText(cell);
  switch (kind) {
    case 'rate':
      return `${(cell * 100).toFixed(2)}%`;
    case 'decimal':
      return trim(cell, 4);
    case 'integer':
    case 'text':
      return String(cell);
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * RFC 4180 CSV in UTF-8 with a byte order mark (without it, Excel on Chinese Windows reads the headers as GBK):
 * a row of Chinese headers, a row of codes, then the rows; CRLF line ends.
 */
export function toCsv(table: ExportTable): string {
  const lines = [
    table.columns.map((c) => csvText(c.header)).join(','),
    table.columns.map((c) => csvText(c.code)).join(','),
    ...table.rows.map((row) => row.map((cell, i) => csvCell(cell, table.columns[i]?.kind ?? 'text')).join(',')),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
