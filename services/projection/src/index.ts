/** What the docs generator reads of this service (test/docs): its OpenAPI document and its environment's schema. */
export { openApiDocument } from './api/openapi.ts';
export { ProjectionConfig } from './config.ts';
/** What the benchmarks measure of the exports and the bulletin document (bench/src/exports.ts). */
export { toCsv } from './api/exports/csv.ts';
export { toXlsx } from './api/exports/xlsx.ts';
export { rankingTable } from './api/exports/table.ts';
export { bulletinHtml } from './api/bulletin-document.ts';
export { ChromiumPdfPrinter } from './api/pdf-printer.ts';
export type { Bulletin } from './api/bulletin.ts';
