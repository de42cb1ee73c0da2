import { parseOr400 } from '@gridgov/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { ExportFormats, sendTable } from '../exports/reply.ts';
import { FiguresQueryParams, RankingQueryParams, TrendQueryParams } from '../schemas.ts';
import { figuresTable, rankingTable, trendTable, type ExportTable } from '../exports/table.ts';
import { answerFigures } from './figures.ts';
import { answerRanking } from './rankings.ts';
import { answerTrend } from './trends.ts';

/**
 * Figures, rankings and trends as CSV and XLSX downloads (ADR 0031): `/v1/figures.csv`, `/v1/rankings.xlsx`, … take
 * the query of their JSON route and answer exactly its answer, with the same validation, scope and refusals.
 */
export function registerExportRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  const routes: Record<string, (request: FastifyRequest) => Promise<ExportTable>> = {
    '/v1/figures': async (request) =>
      figuresTable(await answerFigures(deps, request, parseOr400(FiguresQueryParams, 'query', request.query))),
    '/v1/rankings': async (request) =>
      rankingTable(await answerRanking(deps, request, parseOr400(RankingQueryParams, 'query', request.query))),
    '/v1/trends': async (request) => trendTable(await answerTrend(deps, request, parseOr400(TrendQueryParams, 'query', request.query))),
  };
  for (const [path, tableOf] of Object.entries(routes)) {
    for (const format of ExportFormats) {
      app.get(`${path}.${format}`, async (request, reply) => {
        const table = await tableOf(request);
        request.log.info({ export: path, format, rows: table.rows.length, file: table.name }, 'export sent');
        return sendTable(reply, table, format, deps.clock());
      });
    }
  }
}
