import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a scrape may read /metrics. No METRICS_TOKEN: anyone who reaches the port (keep it on the internal
 * network). With one: only `Authorization: Bearer <METRICS_TOKEN>` (Prometheus' `authorization` scrape setting);
 * compared in constant time.
 */
export function scrapeAllowed(token: string | undefined, authorization: string | string[] | undefined): boolean {
  if (!token) return true;
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = /^Bearer (.+)$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
