import { parameters, type JsonSchema } from '@gridgov/http';
import { BulletinPathParams, BulletinQueryParams, FiguresQueryParams, RankingQueryParams, TrendQueryParams } from '../schemas.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The export and bulletin document routes in /openapi.json (ADR 0031); `answers` are the error answers of the JSON routes. */
export function exportPaths(answers: { bad: JsonSchema; unknownArea: JsonSchema; error: (description: string) => JsonSchema }) {
  const { bad, unknownArea, error } = answers;
  const forbidden = error('Not within the caller’s areas, as for the JSON route');
  const file = (type: string, description: string) => ({
    description,
    content: { [type]: { schema: { type: 'string', format: 'binary' } } },
  });
  const table = (json: string, what: string, query: Parameters<typeof parameters>[0]) =>
    Object.fromEntries(
      (['csv', 'xlsx'] as const).map((format) => [
        `${json}.${format}`,
        {
          get: {
            summary: `${what} as ${format.toUpperCase()} (download)`,
            description:
              `The answer of ${json} to the same query, with the same scope and refusals, as a file: a row of Chinese headers, ` +
              'a row of codes (the JSON fields), then the rows; numbers as numbers, rates as percentages' +
              (format === 'csv'
                ? ' with two decimals. UTF-8 with a BOM; text that a spreadsheet would run as a formula (= + - @) starts with an apostrophe.'
                : ' (fractions formatted 0.00%); a second sheet 说明 says what was counted.'),
            parameters: parameters(query, 'query'),
            responses: {
              '200': file(format === 'csv' ? 'text/csv' : XLSX, 'The file, named in Content-Disposition'),
              '400': bad,
              '403': forbidden,
              '404': unknownArea,
            },
          },
        },
      ]),
    );
  const document = [...parameters(BulletinPathParams, 'path'), ...parameters(BulletinQueryParams, 'query')];
  const noBulletin = error('Unknown area, or no bulletin of that month');
  return {
    ...table('/v1/figures', 'Figures', FiguresQueryParams),
    ...table('/v1/rankings', 'A ranking', RankingQueryParams),
    ...table('/v1/trends', 'A trend', TrendQueryParams),
    '/v1/bulletins/{month}/document.html': {
      get: {
        summary: 'A frozen bulletin as a printable page (月通报)',
        description:
          'The ranking of the children with the 末位 named, the month’s daily 上报数 and 结案数 as an inline SVG chart, and a ' +
          'table per child (上报数, 立案数, 结案率, 按期结案率, 返工率, 超期数); a print stylesheet, no script, no external asset.',
        parameters: document,
        responses: { '200': file('text/html', 'The page'), '400': bad, '403': forbidden, '404': noBulletin },
      },
    },
    '/v1/bulletins/{month}/document.pdf': {
      get: {
        summary: 'A frozen bulletin as PDF, printed by headless Chromium',
        parameters: document,
        responses: {
          '200': file('application/pdf', 'The PDF, named in Content-Disposition'),
          '400': bad,
          '403': forbidden,
          '404': noBulletin,
          '503': error('PDF_UNAVAILABLE: no Chromium at CHROMIUM_PATH, or it failed; the HTML document still answers'),
        },
      },
    },
  };
}
