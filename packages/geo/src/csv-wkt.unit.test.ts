import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv } from './csv.ts';
import { parseWkt } from './wkt.ts';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF ends, a BOM, and skips blank lines', () => {
    const text = '\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n"two\nlines",z\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 4, fields: ['two\nlines', 'z'] },
    ]);
  });

  it('refuses text after a closing quote, naming the line', () => {
    expect(() => parseCsv('a,b\n"x"y,z\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n"x"y,z\n')).toThrow(/line 2/);
  });
});

describe('parseWkt', () => {
  it('reads a POLYGON with a hole and a MULTIPOLYGON as GeoJSON, x as longitude, dropping Z', () => {
    expect(parseWkt('POLYGON ((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))')).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [4, 0],
          [4, 4],
          [0, 0],
        ],
        [
          [1, 1],
          [2, 1],
          [2, 2],
          [1, 1],
        ],
      ],
    });
    expect(parseWkt('multipolygon Z (((116.5 31.7 10, 116.6 31.7 10, 116.6 31.8 10, 116.5 31.7 10)))')).toEqual({
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [116.5, 31.7],
            [116.6, 31.7],
            [116.6, 31.8],
            [116.5, 31.7],
          ],
        ],
      ],
    });
  });

  it('refuses other geometries and malformed text, saying where', () => {
    expect(() => parseWkt('POINT (1 2)')).toThrow('not WKT: POINT is not a POLYGON or MULTIPOLYGON');
    expect(() => parseWkt('POLYGON ((0 0, 1 0, 1 1, 0 0)')).toThrow(/expected "\)" at character/);
    expect(() => parseWkt('POLYGON ((0 0, 1 x))')).toThrow(/expected a number/);
    expect(() => parseWkt('POLYGON ((0 0, 1 0, 1 1, 0 0)) extra')).toThrow(/unexpected text after the geometry/);
  });
});
