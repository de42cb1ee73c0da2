import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeProblem, MAX_AREA_IMPORT_BYTES, parseAreaImport, type AreaImport } from './area-import.ts';

const problemsOf = (result: AreaImport) => (result.ok ? [] : result.problems.map(describeProblem));
const square = (x: number, y: number) => `POLYGON ((${x} ${y}, ${x + 1} ${y}, ${x + 1} ${y + 1}, ${x} ${y + 1}, ${x} ${y}))`;

const CSV = `code,name,level,parent,boundary
341500,六安市,city,,
341502,金安区,district,341500,"${square(116, 31)}"
341502001,中市街道,town,341502,
341502001001,龙湾社区,community,341502001,"{""type"":""Polygon"",""coordinates"":[[[116,31],[116.5,31],[116.5,31.5],[116,31]]]}"
341502001001001,龙湾社区第1网格,grid,341502001001,
`;

describe('parseAreaImport', () => {
  it('reads a CSV file with WKT and GeoJSON boundaries into an area tree', () => {
    const result = parseAreaImport('csv', CSV);
    expect(problemsOf(result)).toEqual([]);
    if (!result.ok) return;
    expect(result.tree.lineage('341502001001001')).toEqual(['341502001001001', '341502001001', '341502001', '341502', '341500']);
    expect(result.tree.get('341502').boundary).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [116, 31],
          [117, 31],
          [117, 32],
          [116, 32],
          [116, 31],
        ],
      ],
    });
    expect(result.tree.get('341502001').boundary).toBeUndefined();
  });

  it('names the line and column of each problem: a repeated code, a missing parent, a bad level, a crossing ring', () => {
    const bad = `code,name,level,parent,boundary
341500,六安市,city,,
341502,金安区,district,341500,"POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"
341502,金安区,district,341500,
341502001,中市街道,town,341599,
341502001001,龙湾社区,village,341502001,
341502001001001,,grid,341502001001,
`;
    expect(problemsOf(parseAreaImport('csv', bad))).toEqual([
      'line 3, column boundary: outer ring: crosses itself (edges 1 and 3)',
      'line 4, column code: 341502 is listed twice (also at line 3, column code)',
      'line 6, column level: "village" is not a level (city, district, town, community, grid)',
      'line 7, column name: a name is 1 to 100 characters',
      'line 5, column parent: parent 341599 is not in the file',
    ]);
    const result = parseAreaImport('csv', bad);
    expect(result.ok ? undefined : result.problems[0]).toMatchObject({ row: 3, column: 'boundary' });
  });

  it('checks that levels follow the codes and each other', () => {
    const text = `code,name,level,parent
341500,六安市,city,
341502,金安区,district,341500
341502001001,龙湾社区,community,341502
341503001,中市街道,town,341502
3415020010,x,town,341502
`;
    expect(problemsOf(parseAreaImport('csv', text))).toEqual([
      'line 6, column code: "3415020010" is not an area code (6, 9, 12 or 15 digits)',
      'line 4, column parent: a community sits under a town, but 341502 is a district',
      "line 5, column code: 341503001 does not begin with its parent's code 341502",
    ]);
  });

  it('refuses CSV with unknown columns, a missing column, a wrong field count or an open quote, naming the line', () => {
    expect(problemsOf(parseAreaImport('csv', 'code,name,level,parent,colour\n'))).toEqual([
      'line 1: unknown column "colour" (columns: code, name, level, parent, boundary)',
    ]);
    expect(problemsOf(parseAreaImport('csv', 'code,name,level\n'))).toEqual([
      'line 1: the header lacks column parent (columns: code, name, level, parent, boundary)',
    ]);
    expect(problemsOf(parseAreaImport('csv', 'code,name,level,parent\n341500,六安市,city\n'))).toEqual([
      'line 2: line 2 has 3 fields; the header names 4',
    ]);
    expect(problemsOf(parseAreaImport('csv', 'code,name,level,parent\n341500,"六安市,city,\n'))).toEqual([
      'line 2: a quoted field opened on line 2 is never closed',
    ]);
  });

  it('reads the JSON areas file, naming areas[i].property in problems', () => {
    const text = readFileSync(new URL('../../../data/areas/luan.json', import.meta.url), 'utf8');
    const result = parseAreaImport('json', text);
    expect(result.ok && result.tree.ofLevel('grid').length).toBe(1100);
    const bad = JSON.stringify({
      areas: [
        { code: '341500', name: '六安市', level: 'city', parent: null },
        {
          code: '341502',
          name: '金安区',
          level: 'district',
          parent: '341500',
          boundary: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 0],
                [1, 1],
              ],
            ],
          },
        },
      ],
    });
    expect(problemsOf(parseAreaImport('json', bad))).toEqual([
      'areas[1].boundary: outer ring: has 3 positions; a ring needs at least 4 (the first repeated last)',
    ]);
  });

  it('reads a GeoJSON FeatureCollection, naming features[i] in problems', () => {
    const feature = (code: string, level: string, parent: string | null, geometry: unknown) => ({
      type: 'Feature',
      properties: { code, name: `area ${code}`, level, parent },
      geometry,
    });
    const ok = {
      type: 'FeatureCollection',
      features: [
        feature('341500', 'city', null, null),
        feature('341502', 'district', '341500', {
          type: 'MultiPolygon',
          coordinates: [
            [
              [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 0],
              ],
            ],
          ],
        }),
      ],
    };
    const result = parseAreaImport('geojson', JSON.stringify(ok));
    expect(result.ok && result.tree.get('341502').boundary?.type).toBe('MultiPolygon');
    const bad = { ...ok, features: [...ok.features, feature('341502001', 'town', '341502', { type: 'Point', coordinates: [0, 0] })] };
    expect(problemsOf(parseAreaImport('geojson', JSON.stringify(bad)))).toEqual([
      'features[2].geometry: not a GeoJSON Polygon or MultiPolygon of [longitude, latitude] positions',
    ]);
    expect(problemsOf(parseAreaImport('geojson', '{"type":"Feature"}'))).toEqual([
      'the file: a GeoJSON area file is a FeatureCollection with a "features" list',
    ]);
  });

  it('refuses a file larger than the limit before reading it, and a file that is not JSON', () => {
    const huge = 'x'.repeat(MAX_AREA_IMPORT_BYTES + 1);
    expect(problemsOf(parseAreaImport('json', huge))[0]).toMatch(/^the file: 48\.0 MB is larger than the 48 MB/);
    expect(problemsOf(parseAreaImport('json', '{"areas": ['))[0]).toMatch(/^the file: not JSON/);
  });
});
