/**
 * A seeded legacy export for tests, demos and the benchmark (ADR 0030): the cases of an imagined 数字城管 system of
 * 新会区 in its own column layout (Chinese headers, its own names of categories and departments, dates written
 * `YYYY/MM/DD HH:mm:ss` in Beijing time, reporter columns the importer drops), the layout that
 * data/import/szcg-legacy.mapping.json maps. Pure: the same seed and grids give the same rows.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export const LEGACY_HEADER = [
  '案件编号',
  '网格编码',
  '问题类别',
  '紧急程度',
  '问题描述',
  '上报人',
  '联系电话',
  '上报时间',
  '派遣时间',
  '处置部门',
  '办结时间',
  '结案时间',
  '是否返工',
  '是否按期',
] as const;

/** The legacy system's names of its categories, with the department it sends each to. */
export const LEGACY_CATEGORIES: readonly { readonly name: string; readonly department: string }[] = [
  { name: '垃圾暴露', department: '环卫所' },
  { name: '道路保洁', department: '环卫所' },
  { name: '违章搭建', department: '城管局' },
  { name: '井盖缺损', department: '住建局' },
  { name: '邻里纠纷', department: '司法所' },
  { name: '治安隐患', department: '公安分局' },
  { name: '安全生产', department: '应急局' },
  { name: '消防隐患', department: '消防大队' },
];
const OTHER_DEPARTMENTS = ['城管局', '市监局', '水务局'];
const URGENCIES = ['一般', '一般', '一般', '一般', '紧急', '紧急', '特急'];

const HOUR = 3_600_000;
const BEIJING = 8 * HOUR;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An instant as the legacy system writes it: `YYYY/MM/DD HH:mm:ss`, Beijing time. */
export function legacyTime(ms: number): string {
  const d = new Date(ms + BEIJING);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A CSV field, quoted when it must be. */
export function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export interface LegacyOptions {
  readonly rows: number;
  readonly seed: number;
  /** The grid codes cases are reported in. */
  readonly grids: readonly string[];
  /** Reports fall in [from, to), epoch ms. */
  readonly from: number;
  readonly to: number;
}

/** The legacy file's lines, header first, each without its line break. */
export function* legacyLines(options: LegacyOptions): Generator<string, void, undefined> {
  if (options.grids.length === 0) throw new Error('legacyLines: no grids');
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const gap = (loHours: number, hiHours: number) => Math.round((loHours + random() * (hiHours - loHours)) * HOUR);
  yield LEGACY_HEADER.join(',');
  for (let i = 0; i < options.rows; i++) {
    const category = pick(LEGACY_CATEGORIES);
    const reported = options.from + Math.floor(random() * (options.to - options.from));
    // Most cases go the whole way; some stop at each stage, as a legacy export taken on one day shows them.
    const dispatched = random() < 0.93 ? reported + gap(0.2, 30) : undefined;
    const resolved = dispatched !== undefined && random() < 0.9 ? dispatched + gap(1, 240) : undefined;
    const closed = resolved !== undefined && random() < 0.95 ? resolved + gap(0.5, 72) : undefined;
    const department = dispatched === undefined ? '' : random() < 0.85 ? category.department : pick(OTHER_DEPARTMENTS);
    const reworked = closed !== undefined && random() < 0.12;
    const onTime = dispatched === undefined ? '' : random() < 0.78 ? '是' : '否';
    const cells = [
      `SZCG${String(options.seed % 1000).padStart(3, '0')}-${pad(i + 1, 8)}`,
      pick(options.grids),
      category.name,
      pick(URGENCIES),
      `${category.name}，请尽快处理`,
      `市民${1 + Math.floor(random() * 9000)}`,
      `13${String(Math.floor(random() * 1e9)).padStart(9, '0')}`,
      legacyTime(reported),
      dispatched === undefined ? '' : legacyTime(dispatched),
      department,
      resolved === undefined ? '' : legacyTime(resolved),
      closed === undefined ? '' : legacyTime(closed),
      closed === undefined ? '' : reworked ? '是' : '否',
      onTime,
    ];
    yield cells.map(csvField).join(',');
  }
}

/** Writes `lines` to `file`, one a line, waiting on the stream when it is full. */
export async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(`${line}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
