import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, parseAreaTree } from '@gridgov/domain';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { dateReader } from './dates.ts';
import { caseIdOf, uuidV5 } from './ids.ts';
import { importCases } from './import.ts';
import { Mapping } from './mapping.ts';
import { RowMapper } from './rows.ts';

const areas = parseAreaTree(JSON.parse(readFileSync(new URL('../../../data/areas/xinhui.json', import.meta.url), 'utf8')));
const mapping = Mapping.parse(JSON.parse(readFileSync(new URL('../../../data/import/szcg-legacy.mapping.json', import.meta.url), 'utf8')));
const GRID = areas.ofLevel('grid')[0]!.code;
const mapper = new RowMapper(mapping, { areas, catalog: new Catalog(), idOf: caseIdOf });
const silent = { info: () => undefined } as unknown as Parameters<typeof importCases>[0]['logger'];

const row = (over: Record<string, string> = {}) => ({
  案件编号: 'SZCG-1',
  网格编码: GRID,
  问题类别: '垃圾暴露',
  紧急程度: '紧急',
  上报时间: '2025/03/01 08:00:00',
  派遣时间: '2025/03/01 09:00:00',
  处置部门: '环卫所',
  办结时间: '2025/03/02 09:00:00',
  结案时间: '2025/03/02 10:00:00',
  是否返工: '否',
  是否按期: '是',
  上报人: '张三',
  ...over,
});

describe('legacy dates', () => {
  const read = dateReader(['YYYY/MM/DD HH:mm:ss', 'YYYYMMDD'], '+08:00');
  it('reads each format at the given offset, the time optional, unpadded fields too', () => {
    expect(new Date(read('2025/03/01 08:00:00')!).toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(new Date(read('2025/3/1 8:00:00')!).toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(new Date(read('2025/03/01')!).toISOString()).toBe('2025-02-28T16:00:00.000Z');
    expect(new Date(read('20250301')!).toISOString()).toBe('2025-02-28T16:00:00.000Z');
  });
  it('refuses what is not a date of the calendar or not in a format', () => {
    for (const text of ['2025/02/29 00:00:00', '2025/13/01', '2025/03/01 24:00:00', '2025-03-01', '昨天', ''])
      expect(read(text)).toBeUndefined();
  });
});

describe('RowMapper (ADR 0030)', () => {
  it('maps a legacy row to one IncidentImported, with a deterministic id and no reporter', () => {
    const mapped = mapper.map(2, row());
    if (!mapped.ok) throw new Error(JSON.stringify(mapped.problems));
    expect(mapped.event).toMatchObject({
      type: 'IncidentImported',
      data: {
        imported: { source: 'xinhui-szcg', legacyId: 'SZCG-1', line: 2 },
        gridCode: GRID,
        category: 'exposed_rubbish',
        urgency: 'urgent',
        reportedAt: '2025-03-01T00:00:00.000Z',
        dispatchedAt: '2025-03-01T01:00:00.000Z',
        department: 'sanitation',
        closedAt: '2025-03-02T02:00:00.000Z',
        reworkCount: 0,
        onTime: true,
        handlingMs: 24 * 3_600_000,
      },
      metadata: { incidentId: caseIdOf('xinhui-szcg', 'SZCG-1'), version: 1, occurredAt: '2025-03-02T02:00:00.000Z' },
    });
    expect(JSON.stringify(mapped.event)).not.toContain('张三');
    // The same row, on another line of another file: the same case, the same bytes but for the line.
    const again = mapper.map(9, row());
    expect(again.ok && again.event.metadata.eventId).toBe(mapped.event.metadata.eventId);
  });

  it('refuses a row for every problem it has, each by line and the legacy column', () => {
    const mapped = mapper.map(
      7,
      row({
        网格编码: '440705999999999',
        问题类别: '飞碟',
        紧急程度: '火急',
        派遣时间: '2025/02/28 08:00:00',
        办结时间: '2025/02/30 08:00:00',
        处置部门: '天庭',
        是否按期: '也许',
      }),
    );
    expect(mapped.ok).toBe(false);
    if (mapped.ok) return;
    expect(mapped.problems.map((p) => `${p.line} ${p.column}: ${p.reason}`)).toEqual([
      '7 网格编码: unknown grid "440705999999999": not a grid of the areas file',
      '7 问题类别: unknown category "飞碟": neither mapped in values.category nor a catalog code',
      '7 紧急程度: unknown urgency "火急": not mapped in values.urgency',
      '7 办结时间: malformed date "2025/02/30 08:00:00": expected YYYY/MM/DD HH:mm:ss or YYYY/MM/DD',
      '7 派遣时间: dates out of order: dispatched before reported (上报时间)',
      '7 处置部门: unknown department "天庭": neither mapped in values.department nor a department code',
      '7 是否按期: not a yes/no word: "也许"',
    ]);
    const missing = mapper.map(8, row({ 案件编号: '', 上报时间: ' ' }));
    expect(!missing.ok && missing.problems.map((p) => p.column)).toEqual(['案件编号', '上报时间']);
  });

  it('gives RFC 9562 version-5 ids', () => {
    // The RFC's example: the DNS namespace and www.example.com.
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('an XLSX export, streamed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'import-xlsx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads its first sheet, date cells included, in a dry run', async () => {
    const file = join(dir, 'legacy.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('案件');
    const header = Object.keys(row());
    sheet.addRow(header);
    sheet.addRow(Object.values(row()));
    // A date cell (its wall-clock time as UTC fields, as Excel keeps it) and a bad grid on the next line.
    sheet.addRow(
      Object.values(row({ 案件编号: 'SZCG-2' })).map((v, i) => (header[i] === '上报时间' ? new Date(Date.UTC(2025, 2, 1, 7)) : v)),
    );
    sheet.addRow(Object.values(row({ 案件编号: 'SZCG-3', 网格编码: '123' })));
    await workbook.xlsx.writeFile(file);
    const summary = await importCases({ file, format: 'xlsx', mapping, areas, catalog: new Catalog(), logger: silent });
    expect(summary).toMatchObject({ dryRun: true, rows: 3, imported: 2, refused: 1 });
    expect(summary.problems).toEqual([{ line: 4, column: '网格编码', reason: 'unknown grid "123": not a grid of the areas file' }]);
  });
});

describe('the signing threads', () => {
  it('sign exactly as the worker signs, so readers verify what they sign', async () => {
    const { EventSigner, EventVerifier, generateEventSigningKey } = await import('@gridgov/auth');
    const { SigningPool } = await import('./signing-pool.ts');
    const pair = generateEventSigningKey();
    const pool = new SigningPool(pair.privateKey, 2);
    try {
      const records = [0, 1, 2].map((i) => ({ key: `incident-${i}`, value: `{"type":"IncidentImported","n":${i}}`, partition: i }));
      const signatures = await pool.sign('grid.events', records);
      const signer = new EventSigner(pair.privateKey);
      expect(signatures).toEqual(records.map((r) => signer.sign('grid.events', r.partition, r.key, r.value)));
      const verifier = new EventVerifier([`import:${pair.publicKey}`]);
      records.forEach((r, i) =>
        expect(
          verifier.problem({
            topic: 'grid.events',
            partition: r.partition,
            key: r.key,
            value: Buffer.from(r.value),
            headers: { 'gridgov-signature': signatures[i]! },
          }),
        ).toBeUndefined(),
      );
    } finally {
      await pool.close();
    }
  });
});

describe('a CSV row that does not split', () => {
  const dir = mkdtempSync(join(tmpdir(), 'import-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is refused by its line; the rows after it still go in', async () => {
    const file = join(dir, 'legacy.csv');
    const header = Object.keys(row());
    const line = (r: Record<string, string>) => Object.values(r).join(',');
    writeFileSync(
      file,
      [header.join(','), line(row()), `${line(row({ 案件编号: 'SZCG-2' }))},多余`, line(row({ 案件编号: 'SZCG-3' }))].join('\n'),
    );
    const summary = await importCases({ file, format: 'csv', mapping, areas, catalog: new Catalog(), logger: silent });
    expect(summary).toMatchObject({ rows: 3, imported: 2, refused: 1 });
    expect(summary.problems).toEqual([{ line: 3, column: '(row)', reason: expect.stringMatching(/^unreadable: /) as string }]);
  });

  it('refuses the whole file when its header lacks a mapped column, naming it', async () => {
    const file = join(dir, 'other.csv');
    writeFileSync(file, 'id,grid\n1,2\n');
    await expect(importCases({ file, format: 'csv', mapping, areas, catalog: new Catalog(), logger: silent })).rejects.toThrow(
      /the header has no column "案件编号", "网格编码"/,
    );
  });
});
