import type { ColumnKind, ExportTable } from './table.ts';

const FORMATS: Record<ColumnKind, string | undefined> = {
  text: undefined,
  integer: '0',
  rate: '0.00%',
  decimal: '0.0000',
};

/**
 * The table as an XLSX workbook: its sheet holds a row of Chinese headers, a row of codes and the rows, numbers as
 * numbers (rates as fractions shown as percentages), panes frozen below the headers; a second sheet 说明 says what
 * was counted. Text is written as text, never as a formula, so an odd area name cannot run.
 */
export async function toXlsx(table: ExportTable, generatedAt: Date): Promise<Buffer> {
  // exceljs is loaded on the first workbook asked for, not at start-up.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'gridgov projection';
  workbook.created = generatedAt;
  const sheet = workbook.addWorksheet(sheetName(table.name), { views: [{ state: 'frozen', ySplit: 2 }] });
  sheet.columns = table.columns.map((c) => {
    const numFmt = FORMATS[c.kind];
    return { key: c.code, width: Math.max(10, c.header.length * 2 + 2, c.code.length + 2), ...(numFmt ? { style: { numFmt } } : {}) };
  });
  const headers = sheet.addRow(table.columns.map((c) => c.header));
  headers.font = { bold: true };
  const codes = sheet.addRow(table.columns.map((c) => c.code));
  codes.font = { italic: true, color: { argb: 'FF666666' } };
  for (const row of table.rows) sheet.addRow(row.map((cell) => cell ?? null));

  const about = workbook.addWorksheet('说明');
  about.columns = [{ width: 24 }, { width: 60 }];
  about.addRow([table.title]).font = { bold: true };
  for (const [k, v] of table.about) about.addRow([k, v]);
  about.addRow(['生成时间 generated', generatedAt.toISOString()]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Excel's limits on a sheet name: 31 characters, none of []:*?/\. */
const sheetName = (name: string) => name.replace(/[[\]:*?/\\]/g, '-').slice(0, 31);
