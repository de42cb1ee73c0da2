import { ApiError, parseOr400 } from '@gridgov/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bulletinHtml } from '../bulletin-document.ts';
import { readDaily } from '../bulletin-freeze.ts';
import type { ProjectionAppDeps } from '../deps.ts';
import { attachment } from '../exports/reply.ts';
import type { PdfPrinter } from '../pdf-printer.ts';
import { BulletinPathParams, BulletinQueryParams } from '../schemas.ts';
import { authorisedArea, resolveScope } from '../scope.ts';

/**
 * 月通报 as a document (ADR 0031): the frozen bulletin as printable HTML, and that page printed to PDF by headless
 * Chromium. Read as GET /v1/bulletins/:month is: the same area, the same authorisation, 404 while none is frozen.
 */
export function registerBulletinDocumentRoutes(app: FastifyInstance, deps: ProjectionAppDeps, printer: PdfPrinter): void {
  const documentOf = async (request: FastifyRequest) => {
    const { month } = parseOr400(BulletinPathParams, 'params', request.params);
    const q = parseOr400(BulletinQueryParams, 'query', request.query);
    const area = authorisedArea(deps, request, resolveScope(deps, q));
    const bulletin = await deps.bulletins.get(area.code, month);
    if (!bulletin)
      throw new ApiError(404, 'NO_BULLETIN', `params.month: no bulletin of ${month} for area ${area.code}; POST one to freeze it`);
    const live = bulletin.daily ? undefined : await readDaily(deps, area.code, month);
    return { html: bulletinHtml(bulletin, live), name: `bulletin_${area.code}_${month}` };
  };

  app.get('/v1/bulletins/:month/document.html', async (request, reply) => {
    const { html } = await documentOf(request);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send(html);
  });

  app.get('/v1/bulletins/:month/document.pdf', async (request, reply) => {
    const { html, name } = await documentOf(request);
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
  });
}
