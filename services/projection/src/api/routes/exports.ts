import { BAD_REQUEST, type ZodTypeProvider } from '@gridgov/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProjectionAppDeps } from '../deps.ts';
import { ExportFormats, sendTable, XLSX_TYPE, type ExportFormat } from '../exports/reply.ts';
import { figuresTable, rankingTable, trendTable, type ExportTable } from '../exports/table.ts';
import { FiguresQueryParams, RankingQueryParams, StoreAway, TrendQueryParams, UnknownArea } from '../schemas.ts';
import { answerFigures } from './figures.ts';
import { answerRanking } from './rankings.ts';
import { answerTrend } from './trends.ts';

/** The bytes of a file answer (a Buffer or a string, sent as they are: never serialised), documented as binary. */
const FileBytes = z.custom<Buffer | string>((v) => Buffer.isBuffer(v) || typeof v === 'string').meta({ type: 'string', format: 'binary' });

/** A file answer of a route's `schema.response`: its media type, the bytes as a binary string. */
export const fileAnswer = (mediaType: string, description: string) => ({
  description,
  content: { [mediaType]: { schema: FileBytes } },
});

const MEDIA_TYPES: Readonly<Record<ExportFormat, string>> = { csv: 'text/csv', xlsx: XLSX_TYPE };

const exportDescription = (json: string, format: ExportFormat) =>
  `The answer of ${json} to the same query, with the same scope and refusals, as a file: a row of Chinese headers, ` +
  'a row of codes (the JSON fields), then the rows; numbers as numbers, rates as percentages' +
  (format === 'csv'
    ? ' with two decimals. UTF-8 with a BOM; text that a spreadsheet would run as a formula (= + - @) starts with an apostrophe.'
    : ' (fractions formatted 0.00%); a second sheet 说明 says what was counted.');

/**
 * Figures, rankings and trends as CSV and XLSX downloads (ADR 0031): `/v1/figures.csv`, `/v1/rankings.xlsx`, … take
 * the query schema of their JSON route and answer exactly its answer, with the same validation, scope and refusals.
 */
export function registerExportRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const route = <Q extends z.ZodType>(
    json: string,
    what: string,
    querystring: Q,
    tableOf: (request: FastifyRequest, query: z.infer<Q>) => Promise<ExportTable>,
  ) => {
    for (const format of ExportFormats) {
      api.get(
        `${json}.${format}`,
        {
          schema: {
            summary: `${what} as ${format.toUpperCase()} (download)`,
            description: exportDescription(json, format),
            querystring,
            response: {
              200: fileAnswer(MEDIA_TYPES[format], 'The file, named in Content-Disposition'),
              400: BAD_REQUEST,
              404: UnknownArea,
              503: StoreAway,
            },
          },
        },
        async (request, reply) => {
          const table = await tableOf(request, request.query as z.infer<Q>);
          request.log.info({ export: json, format, rows: table.rows.length, file: table.name }, 'export sent');
          return sendTable(reply, table, format, deps.clock());
        },
      );
    }
  };
  route('/v1/figures', 'Figures', FiguresQueryParams, async (request, q) => figuresTable(await answerFigures(deps, request, q)));
  route('/v1/rankings', 'A ranking', RankingQueryParams, async (request, q) => rankingTable(await answerRanking(deps, request, q)));
  route('/v1/trends', 'A trend', TrendQueryParams, async (request, q) => trendTable(await answerTrend(deps, request, q)));
}
