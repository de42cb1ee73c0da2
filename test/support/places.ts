/**
 * Places for reports in tests, far enough apart that no two are proposed as duplicates (重复上报 is proposed within a
 * category's radius, 50 m at most in the built-in catalog): each call of a sequence gives the next spot on a lattice
 * of about 220 m, inside 同德社区第1网格 (440705001001001) of the 新会区 areas.
 */
export interface Place {
  readonly lat: number;
  readonly lng: number;
}

const ROWS = 6;
const COLUMNS = 8;
const STEP = 0.002;
const SOUTH_WEST: Place = { lat: 22.2415, lng: 112.8605 };

/** The n-th spot of the lattice (48 distinct spots, then they repeat). */
export function placeAt(n: number): Place {
  const i = ((n % (ROWS * COLUMNS)) + ROWS * COLUMNS) % (ROWS * COLUMNS);
  return {
    lat: Number((SOUTH_WEST.lat + (i % ROWS) * STEP).toFixed(6)),
    lng: Number((SOUTH_WEST.lng + Math.floor(i / ROWS) * STEP).toFixed(6)),
  };
}

/** A fresh place at each call (a test's own sequence), so that no two reports of the test stand at the same spot. */
export function distinctPlaces(): () => Place {
  let next = 0;
  return () => placeAt(next++);
}
