/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a small, fast, seeded generator. The same seed gives the same sequence on every machine. */
export function mulberry32(seed: number): Random {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, n). */
export const int = (random: Random, n: number): number => Math.floor(random() * n);

/** One element of a non-empty list, uniformly. */
export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick: empty list');
  return items[int(random, items.length)]!;
}

/** One of the options, each with its weight (weights need not sum to 1; zero weights are never chosen). */
export function weighted<T>(random: Random, options: readonly (readonly [T, number])[]): T {
  const total = options.reduce((sum, [, w]) => sum + w, 0);
  if (!(total > 0)) throw new Error('weighted: no option has a weight');
  let r = random() * total;
  for (const [value, w] of options) {
    if (w <= 0) continue;
    r -= w;
    if (r < 0) return value;
  }
  return options.findLast(([, w]) => w > 0)![0];
}

/** A number spread evenly on a log scale between lo and hi (minutes as likely as days, per decade). */
export const logUniform = (random: Random, lo: number, hi: number): number =>
  Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo)));

/** A version-4 shaped UUID drawn from the generator (reproducible, unlike crypto.randomUUID). */
export function uuid(random: Random): string {
  const hex = (n: number) => Array.from({ length: n }, () => int(random, 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(random, ['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
}
