import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportedMetricNames } from '@gridgov/telemetry';
import { describe, expect, it } from 'vitest';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../infra/observability');

/** promtool comes with Debian's `prometheus` package: scripts/test installs it (ensure_promtool in scripts/lib.sh). */
function promtool(...args: string[]): string {
  return promtoolIn(dir, ...args);
}

function promtoolIn(cwd: string, ...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed: apt-get install prometheus (scripts/test does it)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Every series a PromQL text names: the project's, Node's and the process's, and `up`. */
function seriesNamed(promql: string): string[] {
  const names = [...promql.matchAll(/\b((?:gridgov|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
  if (/\bup\{/.test(promql)) names.push('up');
  return names;
}

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: readonly { readonly expr: string }[];
}

describe('infra/observability', () => {
  it('has alert rules promtool accepts', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('has scrape configurations promtool accepts: the example and the compose one (its token file where compose mounts it)', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS/);
    // The compose one names the mounted token file; promtool wants it to exist: a copy names a file of this test.
    const work = mkdtempSync(join(tmpdir(), 'gridgov-prometheus-'));
    try {
      writeFileSync(join(work, 'metrics-token'), 'a-token-of-this-test');
      const config = readFileSync(resolve(dir, 'prometheus.compose.yml'), 'utf8');
      expect(config.match(/credentials_file: \/run\/secrets\/metrics-token/g)).toHaveLength(4);
      writeFileSync(join(work, 'prometheus.yml'), config.replaceAll('/run/secrets/metrics-token', join(work, 'metrics-token')));
      copyFileSync(resolve(dir, 'alerts.yml'), join(work, 'alerts.yml'));
      const said = promtoolIn(work, 'check', 'config', 'prometheus.yml');
      expect(said).toMatch(/SUCCESS: prometheus\.yml is valid/);
      expect(said).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('has alerts that fire on lag growing, an outbox not draining, late timers, dead letters and 5xx, and only then', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('names in its rules and dashboard only series the services export', async () => {
    const exported = await exportedMetricNames();
    const rules = readFileSync(resolve(dir, 'alerts.yml'), 'utf8');
    const dashboard = JSON.parse(readFileSync(resolve(dir, 'grafana-dashboard.json'), 'utf8')) as {
      panels: Panel[];
      templating: { list: { query?: unknown }[] };
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const fromRules = seriesNamed(rules);
    const fromDashboard = exprs.flatMap(seriesNamed);
    expect(fromRules.length).toBeGreaterThan(10);
    expect(fromDashboard.length).toBeGreaterThan(20);
    const unknown = [...new Set([...fromRules, ...fromDashboard])].filter((n) => !exported.has(n));
    expect(unknown).toEqual([]);
  });

  it('has a dashboard panel for each thing operators watch', () => {
    const dashboard = JSON.parse(readFileSync(resolve(dir, 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[] };
    const series = new Set(dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => seriesNamed(t.expr))));
    for (const name of [
      'gridgov_http_requests_total',
      'gridgov_http_request_duration_seconds_bucket',
      'gridgov_http_rate_limited_total',
      'gridgov_kafka_consumer_lag',
      'gridgov_kafka_consumer_running',
      'gridgov_worker_outbox_depth',
      'gridgov_worker_timers_due',
      'gridgov_worker_timer_lateness_seconds_bucket',
      'gridgov_dead_letters_total',
      'gridgov_redis_command_duration_seconds_bucket',
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_seconds_total',
    ])
      expect(series).toContain(name);
  });
});
