import type { FastifyReply } from 'fastify';
import { toCsv } from './csv.ts';
import type { ExportTable } from './table.ts';
import { toXlsx } from './xlsx.ts';

export const ExportFormats = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof ExportFormats)[number];

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `attachment` with an ASCII file name and its UTF-8 form (RFC 6266 / 5987), for names that are not ASCII. */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Sends the table as a download: never cached by a shared cache (it is one caller's scope). */
export async function sendTable(reply: FastifyReply, table: ExportTable, format: ExportFormat, now: Date): Promise<FastifyReply> {
  void reply.header('content-disposition', attachment(`${table.name}.${format}`)).header('cache-control', 'private, no-store');
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(table));
  return reply.type(XLSX_TYPE).send(await toXlsx(table, now));
}
