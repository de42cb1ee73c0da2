import { ApiError, BAD_REQUEST, errorAnswer, type ZodTypeProvider } from '@gridgov/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bulletinHtml } from '../bulletin-document.ts';
import { readDaily } from '../bulletin-freeze.ts';
import type { ProjectionAppDeps } from '../deps.ts';
import { attachment } from '../exports/reply.ts';
import type { PdfPrinter } from '../pdf-printer.ts';
import { BulletinPathParams, BulletinQueryParams, StoreAway } from '../schemas.ts';
import { authorisedArea, resolveScope } from '../scope.ts';
import { fileAnswer } from './exports.ts';

const NO_BULLETIN = errorAnswer('Unknown area (UNKNOWN_AREA), or no bulletin of that month (NO_BULLETIN)');

/**
 * 月通报 as a document (ADR 0031): the frozen bulletin as printable HTML, and that page printed to PDF by headless
 * Chromium. Read as GET /v1/bulletins/:month is: the same area, the same authorisation, 404 while none is frozen.
 */
export function registerBulletinDocumentRoutes(app: FastifyInstance, deps: ProjectionAppDeps, printer: PdfPrinter): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const documentOf = async (request: FastifyRequest, month: string, query: BulletinQueryParams) => {
    const area = authorisedArea(deps, request, resolveScope(deps, query));
    const bulletin = await deps.bulletins.get(area.code, month);
    if (!bulletin)
      throw new ApiError(404, 'NO_BULLETIN', `params.month: no bulletin of ${month} for area ${area.code}; POST one to freeze it`);
    const live = bulletin.daily ? undefined : await readDaily(deps, area.code, month);
    return { html: bulletinHtml(bulletin, live), name: `bulletin_${area.code}_${month}` };
  };

  api.get(
    '/v1/bulletins/:month/document.html',
    {
      schema: {
        summary: 'A frozen bulletin as a printable page (月通报)',
        description:
          'The ranking of the children with the 末位 named, the month’s daily 上报数 and 结案数 as an inline SVG chart, and a ' +
          'table per child (上报数, 立案数, 结案率, 按期结案率, 返工率, 超期数); a print stylesheet, no script, no external asset.',
        params: BulletinPathParams,
        querystring: BulletinQueryParams,
        response: {
          200: { description: 'The page', content: { 'text/html': { schema: z.string() } } },
          400: BAD_REQUEST,
          404: NO_BULLETIN,
          503: StoreAway,
        },
      },
    },
    async (request, reply) => {
      const { html } = await documentOf(request, request.params.month, request.query);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send(html);
    },
  );

  api.get(
    '/v1/bulletins/:month/document.pdf',
    {
      schema: {
        summary: 'A frozen bulletin as PDF, printed by headless Chromium',
        description: 'The page of document.html, printed (A4). Chromium is launched on first print and kept.',
        params: BulletinPathParams,
        querystring: BulletinQueryParams,
        response: {
          200: fileAnswer('application/pdf', 'The PDF, named in Content-Disposition'),
          400: BAD_REQUEST,
          404: NO_BULLETIN,
          503: errorAnswer(
            'PDF_UNAVAILABLE: no Chromium at CHROMIUM_PATH, or it failed (document.html still answers); or Redis did not answer (STORE_UNAVAILABLE, with Retry-After)',
          ),
        },
      },
    },
    async (request, reply) => {
      const { html, name } = await documentOf(request, request.params.month, request.query);
      let pdf: Buffer;
      try {
        pdf = await printer.print(html);
      } catch (err) {
        request.log.error({ err, document: name }, 'bulletin PDF not printed');
        throw new ApiError(503, 'PDF_UNAVAILABLE', 'the bulletin could not be printed as PDF now; its HTML is at document.html');
      }
      request.log.info({ document: name, bytes: pdf.length }, 'bulletin PDF sent');
      return reply
        .type('application/pdf')
        .header('content-disposition', attachment(`${name}.pdf`))
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );
}
