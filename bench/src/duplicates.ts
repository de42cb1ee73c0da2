import { KeyedWrites, openCasesNear, openNearKeys, writeOpenNear } from '@gridgov/read-model';
import { mulberry32 } from '@gridgov/simulator';
import { benchInfra, report, type SuiteRows } from './support.ts';

const HOUR = 3_600_000;
/** 新会区's box, where the cases stand (about 22 km × 31 km). */
const BOX = { lat: 22.4, lng: 112.9, dLat: 0.2, dLng: 0.3 } as const;
/** Lookups in flight at once: a busy intake answering many reports together. */
const IN_FLIGHT = 16;

/**
 * Duplicate proposals (ADR 0032): `count` open cases of one category spread over the district in the read side's
 * index (a GEO set, report times and summaries), then `lookups` proposal lookups at random places, as the intake makes
 * them on each report (GEOSEARCH within 50 m, the window applied on the report times, the summaries read), against a
 * bare GEOSEARCH of the same places in the same run: what the window and summaries cost over the spatial query.
 */
export async function duplicatesBench(count: number, lookups: number): Promise<SuiteRows> {
  const infra = await benchInfra(1);
  try {
    const keys = openNearKeys(infra.id);
    const random = mulberry32(21);
    const now = Date.now();
    const place = () => ({ lat: BOX.lat + random() * BOX.dLat, lng: BOX.lng + random() * BOX.dLng });
    for (let i = 0; i < count; i += 5_000) {
      const pipeline = infra.redis.pipeline();
      const writes = new KeyedWrites(pipeline);
      for (let j = i; j < Math.min(count, i + 5_000); j++) {
        const p = place();
        // Reported over the last six days: about half inside the 72-hour window.
        const join = { ...p, reportedAt: now - Math.floor(random() * 144 * HOUR) };
        writeOpenNear(writes, keys, `case-${j}`, { category: 'exposed_rubbish', join, summary: `路边堆放生活垃圾 ${j}` });
      }
      writes.writeOut();
      await pipeline.exec();
    }
    const points = Array.from({ length: lookups }, place);
    const since = now - 72 * HOUR;
    const rate = async (one: (p: { lat: number; lng: number }) => Promise<number>) => {
      let next = 0;
      let found = 0;
      const began = performance.now();
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < points.length) found += await one(points[next++]!);
        }),
      );
      return { perSecond: points.length / ((performance.now() - began) / 1000), found };
    };
    const proposal = (p: { lat: number; lng: number }) =>
      openCasesNear(infra.redis, keys, { category: 'exposed_rubbish', ...p, radiusMeters: 50, since }).then((c) => c.length);
    const bare = (p: { lat: number; lng: number }) =>
      infra.redis
        .geosearch(keys.places('exposed_rubbish'), 'FROMLONLAT', p.lng, p.lat, 'BYRADIUS', 50, 'm', 'ASC', 'COUNT', 20)
        .then((r) => r.length);
    await rate(proposal); // warm-up
    const lookup = await rate(proposal);
    const geo = await rate(bare);
    report(
      'duplicates',
      [
        {
          name: 'proposal lookups (GEOSEARCH 50 m, window, summaries)',
          value: Math.round(lookup.perSecond),
          unit: '/s',
          note: `${lookup.found} candidates in ${lookups} lookups`,
        },
        { name: 'bare GEOSEARCH 50 m (reference)', value: Math.round(geo.perSecond), unit: '/s', note: `${geo.found} found` },
      ],
      { count, lookups, inFlight: IN_FLIGHT },
    );
    return [
      {
        figure: `duplicates: proposal lookups/s with ${count.toLocaleString('en-US')} open cases`,
        value: Math.round(lookup.perSecond),
        unit: '/s',
        reference: { name: 'bare GEOSEARCH of the same places', value: Math.round(geo.perSecond), unit: '/s' },
      },
    ];
  } finally {
    await infra.cleanup();
  }
}
