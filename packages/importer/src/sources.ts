import { createReadStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

/** One row of the legacy file: its line (CSV: the physical line it ends on; XLSX: the sheet's row number) and its cells. */
export interface LegacyRow {
  readonly line: number;
  readonly record: Readonly<Record<string, string>>;
}

/** A row the reader could not split into cells (a CSV row with too many or too few fields, a broken quote). */
export interface UnreadableRow {
  readonly line: number;
  readonly reason: string;
}

export type SourceItem = { readonly kind: 'row'; readonly row: LegacyRow } | { readonly kind: 'unreadable'; readonly row: UnreadableRow };

export class SourceError extends Error {
  readonly code = 'IMPORT_SOURCE';
}

export type SourceFormat = 'csv' | 'xlsx';

/** The format a file's name says (.csv, .xlsx), or undefined. */
export function formatOf(file: string): SourceFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.xlsx')) return 'xlsx';
  return undefined;
}

export interface SourceOptions {
  readonly file: string;
  readonly format: SourceFormat;
  readonly delimiter: string;
  readonly sheet?: string | undefined;
  /** The columns the header must hold. */
  readonly columns: readonly string[];
  /** How a date cell of an XLSX reads as text: the mapping's first format. */
  readonly dateFormat: string;
  /** Told the bytes read so far (the progress bar). */
  readonly onBytes?: (bytes: number) => void;
}

/** The file's size in bytes (the progress bar's total). */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    throw new SourceError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function checkHeader(header: readonly string[], wanted: readonly string[], file: string): void {
  const missing = wanted.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new SourceError(
      `${file}: the header has no column ${missing.map((c) => JSON.stringify(c)).join(', ')} (the mapping names it); it has ${header.map((c) => JSON.stringify(c)).join(', ')}`,
    );
  }
}

/** The rows of a legacy file, streamed: memory stays bounded whatever the file's size. */
export function readSource(options: SourceOptions): AsyncIterable<SourceItem> {
  sizeOf(options.file);
  return options.format === 'csv' ? readCsv(options) : readXlsx(options);
}

function counting(onBytes: ((bytes: number) => void) | undefined): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      onBytes?.(bytes);
      done(null, chunk);
    },
  });
}

async function* readCsv(options: SourceOptions): AsyncGenerator<SourceItem> {
  const unreadable: UnreadableRow[] = [];
  const parser = parse({
    delimiter: options.delimiter,
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim());
      checkHeader(names, options.columns, options.file);
      return names;
    },
    info: true,
    skip_empty_lines: true,
    // A row that does not split is told (below) and skipped; the rows after it still go in.
    skip_records_with_error: true,
  });
  parser.on('skip', (err: Error & { lines?: number }) => unreadable.push({ line: err.lines ?? 0, reason: err.message }));
  const input = createReadStream(options.file).pipe(counting(options.onBytes));
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      while (unreadable.length > 0) yield { kind: 'unreadable', row: unreadable.shift()! };
      yield { kind: 'row', row: { line: item.info.lines, record: item.record } };
    }
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`${options.file}: ${(err as Error).message}`);
  }
  while (unreadable.length > 0) yield { kind: 'unreadable', row: unreadable.shift()! };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An XLSX date cell (its UTC fields are the wall-clock time it shows) written in the mapping's format. */
function dateText(date: Date, format: string): string {
  return format
    .replace('YYYY', pad(date.getUTCFullYear(), 4))
    .replace('MM', pad(date.getUTCMonth() + 1))
    .replace('DD', pad(date.getUTCDate()))
    .replace('HH', pad(date.getUTCHours()))
    .replace('mm', pad(date.getUTCMinutes()))
    .replace('ss', pad(date.getUTCSeconds()));
}

function cellText(value: unknown, dateFormat: string): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return dateText(value, dateFormat);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if (v.result !== undefined) return cellText(v.result, dateFormat);
    if (typeof v.text === 'string') return v.text;
  }
  return '';
}

async function* readXlsx(options: SourceOptions): AsyncGenerator<SourceItem> {
  const input = createReadStream(options.file).pipe(counting(options.onBytes));
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let found = false;
  try {
    for await (const sheet of reader) {
      const name = (sheet as unknown as { name?: string }).name;
      if (found || (options.sheet !== undefined && name !== options.sheet)) {
        // A sheet not imported is read through, so the reader moves on to the next.
        for await (const _row of sheet) void _row;
        continue;
      }
      found = true;
      let header: string[] | undefined;
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1).map((v) => cellText(v, options.dateFormat).trim());
        if (!header) {
          header = values;
          checkHeader(header, options.columns, options.file);
          continue;
        }
        if (values.every((v) => v === '')) continue;
        const record: Record<string, string> = {};
        header.forEach((column, i) => {
          if (column !== '') record[column] = values[i] ?? '';
        });
        yield { kind: 'row', row: { line: row.number, record } };
      }
    }
  } catch (err) {
    if (err instanceof SourceError) throw err;
    throw new SourceError(`${options.file}: not a readable XLSX workbook (${(err as Error).message})`);
  }
  if (!found)
    throw new SourceError(`${options.file}: no worksheet ${options.sheet === undefined ? '' : JSON.stringify(options.sheet)}`.trim());
}
