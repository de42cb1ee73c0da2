import { AreaBoundary, AreaCode } from '@gridgov/contracts';
import { AreaLevels, AreaTree, type Area, type AreaLevel } from '@gridgov/domain';
import { checkBoundary } from './boundary-check.ts';
import { CsvSyntaxError, parseCsv } from './csv.ts';
import { parseWkt } from './wkt.ts';

export const AreaImportFormats = ['csv', 'json', 'geojson'] as const;
export type AreaImportFormat = (typeof AreaImportFormats)[number];

/** Larger files are refused before they are parsed (an area tree of 100,000 grids with boundaries is ~40 MB). */
export const MAX_AREA_IMPORT_BYTES = 48 * 1024 * 1024;
/** At most this many problems are listed; a file with more is mostly wrong anyway. */
export const MAX_IMPORT_PROBLEMS = 200;

/**
 * One thing wrong with an imported file. `row` is the CSV line (the header being line 1) or the 1-based position of
 * the area in a JSON file's `areas` or a GeoJSON file's `features`; `column` the CSV column or the property; both
 * null for the file as a whole. `where` says both in words, e.g. "line 12, column boundary" or "features[3].geometry".
 */
export interface ImportProblem {
  readonly row: number | null;
  readonly column: string | null;
  readonly where: string;
  readonly message: string;
}

export type AreaImport =
  | { readonly ok: true; readonly areas: readonly Area[]; readonly tree: AreaTree }
  | { readonly ok: false; readonly problems: readonly ImportProblem[] };

/** The fields of one area as a file gives them, before they are checked, and where each one came from. */
interface RawArea {
  readonly row: number;
  readonly code: unknown;
  readonly name: unknown;
  readonly level: unknown;
  readonly parent: unknown;
  /** A GeoJSON geometry (object), WKT or GeoJSON text (CSV), or undefined/null/'' when the area has none. */
  readonly boundary: unknown;
  /** Where a field is, for messages: e.g. (f) => `line 4, column ${f}`. */
  readonly at: (field: string) => string;
  /** The name of a field in the file (a CSV column, a JSON property, a GeoJSON property or `geometry`). */
  readonly column: (field: string) => string;
}

class Problems {
  readonly list: ImportProblem[] = [];
  add(row: number | null, column: string | null, where: string, message: string): void {
    if (this.list.length < MAX_IMPORT_PROBLEMS) this.list.push({ row, column, where, message });
  }
  fileWide(message: string): AreaImport {
    this.add(null, null, 'the file', message);
    return { ok: false, problems: this.list };
  }
}

/** A problem as one line of text, e.g. "line 12, column boundary: outer ring: crosses itself (edges 2 and 4)". */
export const describeProblem = (p: ImportProblem): string => `${p.where}: ${p.message}`;

/**
 * Parses and validates an area tree file (CSV, the JSON areas file, or a GeoJSON FeatureCollection; docs/areas.md):
 * codes well-formed and unique, levels matching code lengths, every parent present and one level up, boundaries
 * valid polygons. Either the areas and their tree, or every problem found (up to MAX_IMPORT_PROBLEMS), each naming
 * its row and column. Pure: nothing is applied anywhere.
 */
export function parseAreaImport(format: AreaImportFormat, text: string): AreaImport {
  const problems = new Problems();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_AREA_IMPORT_BYTES) {
    return problems.fileWide(
      `${(bytes / 1048576).toFixed(1)} MB is larger than the ${MAX_AREA_IMPORT_BYTES / 1048576} MB an area file may be`,
    );
  }
  let raws: RawArea[];
  try {
    raws = format === 'csv' ? csvAreas(text) : format === 'json' ? jsonAreas(text) : geojsonAreas(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) {
      problems.add(err.line, null, `line ${err.line}`, err.message);
      return { ok: false, problems: problems.list };
    }
    return problems.fileWide((err as Error).message);
  }
  if (raws.length === 0) return problems.fileWide('lists no area');
  return checkAreas(raws, problems);
}

function checkAreas(raws: readonly RawArea[], problems: Problems): AreaImport {
  const say = (raw: RawArea, field: string, message: string) => problems.add(raw.row, raw.column(field), raw.at(field), message);
  const areas: Area[] = [];
  const rowOf = new Map<string, RawArea>();
  for (const raw of raws) {
    const code = AreaCode.safeParse(typeof raw.code === 'number' ? String(raw.code) : raw.code);
    if (!code.success) {
      say(raw, 'code', `${JSON.stringify(raw.code ?? null)} is not an area code (6, 9, 12 or 15 digits)`);
      continue;
    }
    const first = rowOf.get(code.data);
    if (first) {
      say(raw, 'code', `${code.data} is listed twice (also at ${first.at('code')})`);
      continue;
    }
    rowOf.set(code.data, raw);
    const name = typeof raw.name === 'string' ? raw.name.trim() : '';
    if (name.length === 0 || name.length > 100) say(raw, 'name', 'a name is 1 to 100 characters');
    const level = AreaLevels.find((l) => l === raw.level);
    if (!level) say(raw, 'level', `${JSON.stringify(raw.level ?? null)} is not a level (${AreaLevels.join(', ')})`);
    else if (!codeFitsLevel(code.data, level)) say(raw, 'code', `${code.data} is not a ${level} code (${LEVEL_CODES[level]})`);
    const parent =
      raw.parent === null || raw.parent === undefined || raw.parent === ''
        ? null
        : typeof raw.parent === 'string' || typeof raw.parent === 'number'
          ? String(raw.parent)
          : undefined;
    if (parent === undefined || (parent !== null && !AreaCode.safeParse(parent).success)) {
      say(raw, 'parent', `${JSON.stringify(raw.parent)} is not an area code`);
    }
    const boundary = checkedBoundary(raw, say);
    if (level && name && parent !== undefined) areas.push({ code: code.data, name, level, parent, ...(boundary ? { boundary } : {}) });
  }
  const byCode = new Map(areas.map((a) => [a.code, a]));
  for (const area of areas) {
    const raw = rowOf.get(area.code)!;
    if (area.parent === null) {
      if (area.level !== 'city') say(raw, 'parent', `a ${area.level} needs a parent; only a city may be the root`);
      continue;
    }
    const parent = byCode.get(area.parent);
    if (!parent) {
      if (!rowOf.has(area.parent)) say(raw, 'parent', `parent ${area.parent} is not in the file`);
      continue;
    }
    const expected = AreaLevels[AreaLevels.indexOf(area.level) - 1];
    if (parent.level !== expected) {
      say(raw, 'parent', `a ${area.level} sits under a ${expected ?? 'nothing'}, but ${parent.code} is a ${parent.level}`);
    } else if (!area.code.startsWith(area.level === 'district' ? parent.code.slice(0, 4) : parent.code)) {
      say(
        raw,
        'code',
        `${area.code} does not begin with its parent's code ${area.level === 'district' ? parent.code.slice(0, 4) : parent.code}`,
      );
    }
  }
  if (problems.list.length > 0) return { ok: false, problems: problems.list };
  return { ok: true, areas, tree: new AreaTree(areas) };
}

const LEVEL_CODES: Record<AreaLevel, string> = {
  city: 'six digits ending in 00',
  district: 'six digits not ending in 00',
  town: 'nine digits',
  community: 'twelve digits',
  grid: 'fifteen digits',
};

function codeFitsLevel(code: string, level: AreaLevel): boolean {
  switch (level) {
    case 'city':
      return code.length === 6 && code.endsWith('00');
    case 'district':
      return code.length === 6 && !code.endsWith('00');
    case 'town':
      return code.length === 9;
    case 'community':
      return code.length === 12;
    case 'grid':
      return code.length === 15;
    default: {
      const never: never = level;
      return never;
    }
  }
}

function checkedBoundary(raw: RawArea, say: (raw: RawArea, field: string, message: string) => void): AreaBoundary | undefined {
  let value = raw.boundary;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    const text = value.trim();
    try {
      value = text.startsWith('{') ? (JSON.parse(text) as unknown) : parseWkt(text);
    } catch (err) {
      say(raw, 'boundary', err instanceof SyntaxError ? `not GeoJSON: ${err.message}` : (err as Error).message);
      return undefined;
    }
  }
  const shape = AreaBoundary.safeParse(value);
  if (!shape.success) {
    say(raw, 'boundary', 'not a GeoJSON Polygon or MultiPolygon of [longitude, latitude] positions');
    return undefined;
  }
  const wrong = checkBoundary(shape.data);
  for (const message of wrong.slice(0, 3)) say(raw, 'boundary', message);
  return wrong.length === 0 ? shape.data : undefined;
}

const CSV_COLUMNS = ['code', 'name', 'level', 'parent', 'boundary'] as const;

function csvAreas(text: string): RawArea[] {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new Error('the file is empty (a header row code,name,level,parent[,boundary] comes first)');
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const unknown = names.filter((n) => !(CSV_COLUMNS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new CsvSyntaxError(1, `unknown column ${unknown.map((u) => JSON.stringify(u)).join(', ')} (columns: ${CSV_COLUMNS.join(', ')})`);
  const missing = CSV_COLUMNS.slice(0, 4).filter((c) => !names.includes(c));
  if (missing.length > 0) throw new CsvSyntaxError(1, `the header lacks column ${missing.join(', ')} (columns: ${CSV_COLUMNS.join(', ')})`);
  const index = (c: string) => names.indexOf(c);
  return records.map(({ line, fields }) => {
    if (fields.length !== names.length) {
      throw new CsvSyntaxError(line, `line ${line} has ${fields.length} fields; the header names ${names.length}`);
    }
    const get = (c: string) => (index(c) >= 0 ? fields[index(c)]!.trim() : undefined);
    return {
      row: line,
      code: get('code'),
      name: get('name'),
      level: get('level'),
      parent: get('parent'),
      boundary: get('boundary'),
      at: (f) => `line ${line}, column ${f}`,
      column: (f) => f,
    };
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`, { cause: err });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonAreas(text: string): RawArea[] {
  const json = parseJson(text);
  if (!isObject(json) || !Array.isArray(json.areas)) throw new Error('an areas file is an object with an "areas" list');
  return json.areas.map((item: unknown, i) => {
    const a = isObject(item) ? item : {};
    return {
      row: i + 1,
      code: a.code,
      name: a.name,
      level: a.level,
      parent: a.parent,
      boundary: a.boundary,
      at: (f) => `areas[${i}].${f}`,
      column: (f) => f,
    };
  });
}

function geojsonAreas(text: string): RawArea[] {
  const json = parseJson(text);
  if (!isObject(json) || json.type !== 'FeatureCollection' || !Array.isArray(json.features)) {
    throw new Error('a GeoJSON area file is a FeatureCollection with a "features" list');
  }
  return json.features.map((item: unknown, i) => {
    const feature = isObject(item) ? item : {};
    const p = isObject(feature.properties) ? feature.properties : {};
    const column = (f: string) => (f === 'boundary' ? 'geometry' : `properties.${f}`);
    return {
      row: i + 1,
      code: p.code,
      name: p.name,
      level: p.level,
      parent: p.parent,
      boundary: feature.geometry,
      at: (f) => `features[${i}].${column(f)}`,
      column,
    };
  });
}
