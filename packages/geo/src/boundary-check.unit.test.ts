import { describe, expect, it } from 'vitest';
import { checkBoundary } from './boundary-check.ts';

const square = [
  [0, 0],
  [10, 0],
  [10, 10],
  [0, 10],
  [0, 0],
];
const hole = [
  [2, 2],
  [2, 4],
  [4, 4],
  [4, 2],
  [2, 2],
];

describe('checkBoundary', () => {
  it('accepts a closed square, with a hole inside it, and a MultiPolygon of two', () => {
    expect(checkBoundary({ type: 'Polygon', coordinates: [square as never] })).toEqual([]);
    expect(checkBoundary({ type: 'Polygon', coordinates: [square, hole] as never })).toEqual([]);
    const far = square.map(([x, y]) => [x! + 20, y!]);
    expect(checkBoundary({ type: 'MultiPolygon', coordinates: [[square], [far]] as never })).toEqual([]);
  });

  it('refuses a ring that is not closed or too short', () => {
    expect(checkBoundary({ type: 'Polygon', coordinates: [square.slice(0, 4)] as never })).toEqual([
      'outer ring: is not closed (its last position differs from its first)',
    ]);
    expect(
      checkBoundary({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [0, 0],
          ],
        ] as never,
      })[0],
    ).toMatch(/at least 4/);
  });

  it('refuses positions out of range or not finite', () => {
    const bad = [
      [0, 0],
      [200, 0],
      [10, 10],
      [0, 0],
    ];
    expect(checkBoundary({ type: 'Polygon', coordinates: [bad] as never })).toEqual([
      'outer ring: position 2: longitude 200 is outside -180..180',
    ]);
    const nan = [
      [0, 0],
      [1, Number.NaN],
      [10, 10],
      [0, 0],
    ];
    expect(checkBoundary({ type: 'Polygon', coordinates: [nan] as never })).toEqual(['outer ring: position 2 is not a finite number pair']);
  });

  it('refuses a self-intersecting ring (a bow tie) and a spike folding back on itself', () => {
    const bowTie = [
      [0, 0],
      [10, 10],
      [10, 0],
      [0, 10],
      [0, 0],
    ];
    expect(checkBoundary({ type: 'Polygon', coordinates: [bowTie] as never })).toEqual(['outer ring: crosses itself (edges 1 and 3)']);
    const spike = [
      [0, 0],
      [10, 0],
      [10, 10],
      [10, 5],
      [0, 10],
      [0, 0],
    ];
    expect(checkBoundary({ type: 'Polygon', coordinates: [spike] as never })[0]).toMatch(/crosses itself/);
  });

  it('refuses a hole outside its outer ring, and one crossing it', () => {
    const outside = hole.map(([x, y]) => [x! + 20, y!]);
    expect(checkBoundary({ type: 'Polygon', coordinates: [square, outside] as never })).toEqual(['hole 1: lies outside the outer ring']);
    const crossing = hole.map(([x, y]) => [x! + 7, y!]);
    expect(checkBoundary({ type: 'Polygon', coordinates: [square, crossing] as never })[0]).toMatch(/outer ring and hole 1 cross or touch/);
  });

  it('refuses a ring of no area (one going out and back along a line)', () => {
    expect(
      checkBoundary({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [5, 0],
            [10, 0],
            [0, 0],
          ],
        ] as never,
      })[0],
    ).toMatch(/^outer ring: crosses itself/);
  });
});
