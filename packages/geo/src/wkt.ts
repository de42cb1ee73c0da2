import type { AreaBoundary } from '@gridgov/contracts';

/**
 * A WKT POLYGON or MULTIPOLYGON (OGC Simple Features; x = longitude, y = latitude; a Z value allowed and dropped)
 * as a GeoJSON geometry. Throws naming what is wrong. Ring validity is checked apart (checkBoundary).
 */
export function parseWkt(text: string): AreaBoundary {
  const src = text.trim();
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`not WKT: ${what} at character ${i + 1}`);
  };
  const skip = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const expect = (c: string) => {
    skip();
    if (src[i] !== c) fail(`expected "${c}"`);
    i++;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z]+/.exec(src.slice(i));
    if (!m) return fail('expected a geometry type');
    i += m[0].length;
    return m[0].toUpperCase();
  };
  const number = (): number => {
    skip();
    const m = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    if (!m) return fail('expected a number');
    i += m[0].length;
    return Number(m[0]);
  };
  const list = <T>(item: () => T): T[] => {
    expect('(');
    const items = [item()];
    skip();
    while (src[i] === ',') {
      i++;
      items.push(item());
      skip();
    }
    expect(')');
    return items;
  };
  const position = (): [number, number] => {
    const pos: [number, number] = [number(), number()];
    skip();
    if (/[-+.\d]/.test(src[i] ?? '')) number();
    return pos;
  };
  const polygon = () => list(() => list(position));
  let type = word();
  if (type === 'POLYGONZ' || type === 'MULTIPOLYGONZ') type = type.slice(0, -1);
  skip();
  if (/^Z\b/i.test(src.slice(i))) i++;
  let geometry: AreaBoundary;
  if (type === 'POLYGON') geometry = { type: 'Polygon', coordinates: polygon() };
  else if (type === 'MULTIPOLYGON') geometry = { type: 'MultiPolygon', coordinates: list(polygon) };
  else return fail(`${type} is not a POLYGON or MULTIPOLYGON`);
  skip();
  if (i < src.length) fail('unexpected text after the geometry');
  return geometry;
}
