import type { Logger } from 'pino';
import { withinTime } from './deadline.ts';

/** Resolves when the dependency answers; rejects (or never settles) when it does not. */
export type Probe = () => Promise<unknown>;

export interface ProbeResult {
  readonly ok: boolean;
  /** Why not, when not. */
  readonly error?: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly dependencies: Readonly<Record<string, ProbeResult>>;
}

export interface ReadinessOptions {
  readonly logger: Logger;
  /** How long one answer is reused: /readyz polled by many checkers costs one probe per dependency per period. */
  readonly cacheMs?: number;
  /** A probe that has not answered by then counts as failed. */
  readonly timeoutMs?: number;
}

/**
 * Readiness from live probes of the dependencies (Kafka, Redis): ready only while every one answers. Results are
 * cached briefly and a probe in flight is shared, so /readyz never hammers a dependency; each change of a
 * dependency's state is logged once.
 */
export class ReadinessProbes {
  private last: { at: number; readiness: Readiness } | undefined;
  private inFlight: Promise<Readiness> | undefined;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly known = new Map<string, boolean>();

  constructor(
    private readonly probes: Readonly<Record<string, Probe>>,
    private readonly options: ReadinessOptions,
  ) {
    this.cacheMs = options.cacheMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 1_500;
  }

  check(): Promise<Readiness> {
    if (this.last && Date.now() - this.last.at < this.cacheMs) return Promise.resolve(this.last.readiness);
    this.inFlight ??= this.probeAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async probeAll(): Promise<Readiness> {
    const names = Object.keys(this.probes);
    const results = await Promise.all(names.map((name) => this.probeOne(this.probes[name]!)));
    const dependencies = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
    names.forEach((name, i) => this.note(name, results[i]!));
    const readiness = { ready: results.every((r) => r.ok), dependencies };
    this.last = { at: Date.now(), readiness };
    return readiness;
  }

  private async probeOne(probe: Probe): Promise<ProbeResult> {
    try {
      await withinTime(probe(), this.timeoutMs);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private note(name: string, result: ProbeResult): void {
    const before = this.known.get(name);
    this.known.set(name, result.ok);
    if (before === result.ok) return;
    if (!result.ok) this.options.logger.warn({ dependency: name, error: result.error }, `${name} does not answer: not ready`);
    else if (before === false) this.options.logger.info({ dependency: name }, `${name} answers again`);
  }
}
