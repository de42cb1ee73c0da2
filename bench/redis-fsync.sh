#!/usr/bin/env bash
# What the append-only file costs (ADR 0010): redis-benchmark against a redis-server of its own, started with
# infra/redis/redis.conf and appendonly no / appendfsync everysec / appendfsync always, in interleaved rounds, then the
# median of each. Two loads: plain writes (SET, INCR, HSET) from 50 clients, and the pipeline's kind of write, one
# script bumping 15 counters of a hash, from 1 client (one writer at a time, as a worker or projector partition
# writes) and from 50.
#
#   bash bench/redis-fsync.sh [rounds]     # default 3 rounds; REDIS_BENCH_PORT (default 36399), REDIS_BENCH_N (50000)
#
# Its files live in a temporary directory on the same disk as the checkout's .local/ (fsync cost is the disk's).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONF="$REPO_ROOT/infra/redis/redis.conf"
PORT="${REDIS_BENCH_PORT:-36399}"
N="${REDIS_BENCH_N:-50000}"
ROUNDS="${1:-3}"
mkdir -p "$REPO_ROOT/.local"
WORK="$(mktemp -d "$REPO_ROOT/.local/redis-fsync.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SCRIPT="for i=1,15 do redis.call('HINCRBY', KEYS[1], 'f'..i, 1) end return 1"

for ((round = 1; round <= ROUNDS; round++)); do
  for setting in none everysec always; do
    dir="$WORK/$setting"
    mkdir -p "$dir"
    case $setting in none) extra=(--appendonly no) ;; *) extra=(--appendfsync "$setting") ;; esac
    redis-server "$CONF" --port "$PORT" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
      --pidfile "$dir/pid" --logfile "$dir/log" "${extra[@]}" >/dev/null
    until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
    redis-benchmark -p "$PORT" -q -c 50 -n "$N" -r 100000 -t set,incr,hset --csv | grep -v '^"test"' |
      sed "s/^/$setting,50,/" >>"$WORK/results.csv"
    for clients in 1 50; do
      redis-benchmark -p "$PORT" -q -c "$clients" -n "$N" -r 10000 --csv eval "$SCRIPT" 1 'c:__rand_int__' |
        grep -v '^"test"' | sed "s/^\"eval[^\"]*\"/\"SCRIPT 15×HINCRBY\"/; s/^/$setting,$clients,/" >>"$WORK/results.csv"
    done
    kill "$(cat "$dir/pid")"
    while kill -0 "$(cat "$dir/pid" 2>/dev/null)" 2>/dev/null; do sleep 0.1; done
    rm -rf "$dir"
  done
done

node - "$WORK/results.csv" "$ROUNDS" <<'JS'
const [file, rounds] = process.argv.slice(2);
const rows = require('node:fs').readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(',').map((c) => c.replace(/"/g, '')));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const groups = new Map();
for (const [setting, clients, test, rps, , , p50, , p99] of rows) {
  const key = `${test} | ${clients}`;
  if (!groups.has(key)) groups.set(key, {});
  (groups.get(key)[setting] ??= []).push({ rps: +rps, p50: +p50, p99: +p99 });
}
const cell = (r) => `${Math.round(median(r.map((x) => x.rps))).toLocaleString('en')}/s p50 ${median(r.map((x) => x.p50)).toFixed(3)} p99 ${median(r.map((x) => x.p99)).toFixed(2)} ms`;
console.log(`median of ${rounds} rounds; load average now ${require('node:fs').readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log(['write | clients', 'no AOF', 'everysec', 'always'].join(' | '));
for (const [key, by] of groups) console.log([key, cell(by.none), cell(by.everysec), cell(by.always)].join(' | '));
JS
