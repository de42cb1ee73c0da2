import dc from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * `NODE_OPTIONS="--import <repo>/scripts/cpu-profile-hook.mjs"` with `PROF_DIR=<dir>`: a V8 CPU profile of each Node
 * process a bench starts, written to `<dir>/<name>-<pid>.cpuprofile` when it exits (Node 24 refuses `--cpu-prof` in
 * NODE_OPTIONS). `PROF_KIND=heap` takes V8's sampling heap profile instead (what was allocated where, objects
 * either collector took included: a sample each 32 KiB on average), written to `<name>-<pid>.heapprofile`.
 * `PROF_MATCH=<text>` profiles only the processes whose arguments hold it (e.g. `projection/dist`);
 * `PROF_FROM=request` starts at the process's first HTTP request to a `/v1/` route instead of at its start (the queries
 * of a service that replays first). Plain JavaScript: `scripts/bench` passes NODE_OPTIONS to every Node it starts, the
 * machine's own (any version) included.
 */
const dir = process.env['PROF_DIR'];
const match = process.env['PROF_MATCH'];
const kind = process.env['PROF_KIND'] ?? 'cpu';
if (kind !== 'cpu' && kind !== 'heap') throw new Error(`PROF_KIND is cpu or heap, not ${kind}`);
if (dir && (!match || process.argv.some((a) => a.includes(match)))) {
  const session = new Session();
  session.connect();
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    if (kind === 'heap') {
      session.post('HeapProfiler.enable');
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 32 * 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    } else {
      session.post('Profiler.enable');
      session.post('Profiler.start');
    }
  };
  if (process.env['PROF_FROM'] === 'request') {
    dc.subscribe('http.server.request.start', (message) => {
      const url = message?.request?.url ?? '';
      if (url.startsWith('/v1/')) start();
    });
  } else {
    start();
  }
  // The in-process session answers synchronously, so the profile is written before the process is gone.
  process.on('exit', () => {
    if (!started) return;
    session.post(kind === 'heap' ? 'HeapProfiler.stopSampling' : 'Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      const name = (process.argv[1] ?? 'node')
        .split('/')
        .slice(-3)
        .join('-')
        .replace(/\.[jt]s$/, '');
      writeFileSync(`${dir}/${name}-${process.pid}.${kind}profile`, JSON.stringify(result.profile));
    });
  });
}
