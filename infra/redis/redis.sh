#!/usr/bin/env bash
# Local Redis for development and tests, durable (ADR 0010): the settings of infra/redis/redis.conf, i.e. an
# append-only file fsynced every second and maxmemory-policy noeviction.
#
#   bash infra/redis/redis.sh start    # prints REDIS_URL=redis://127.0.0.1:<port> as its last line
#   bash infra/redis/redis.sh stop     # its data stays in .local/redis-<port>/ and is loaded by the next start
#   bash infra/redis/redis.sh status   # exit 0 if running/reachable, 3 if not
#   bash infra/redis/redis.sh clean    # stop, and delete the data of REDIS_PORT (or the recorded port)
#
# Environment:
#   REDIS_URL   if set, start/status only check that it answers PING; nothing is started or stopped.
#   REDIS_PORT  port of our own redis-server (bound to 127.0.0.1). start default: the redis already
#               recorded in <repo>/.local/redis.current if it is still running, else the first free
#               port from 6390 upward. stop/status/clean default: the one recorded in .local/redis.current.
#   REDIS_START_TIMEOUT  seconds to wait for it to answer (default 120: a large append-only file takes a while to load)
#
# Our own server: redis-server infra/redis/redis.conf --daemonize yes, files (the append-only file in appendonlydir/,
# log, pid, the ACL users in users.acl) in <repo>/.local/redis-<port>/.
# If redis-server is missing it is installed from Debian (apt-get install redis-server; needs root or sudo).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
CURRENT_FILE="$LOCAL_DIR/redis.current"
CONF="$SCRIPT_DIR/redis.conf"
REDIS_START_TIMEOUT="${REDIS_START_TIMEOUT:-120}"
PORT_SCAN_FIRST=6390
PORT_SCAN_LAST=6489

INFRA_TAG="redis"
# shellcheck source=../lib.sh
source "$SCRIPT_DIR/../lib.sh"
require_seconds REDIS_START_TIMEOUT "$REDIS_START_TIMEOUT"

home_of() { printf '%s/redis-%s' "$LOCAL_DIR" "$1"; }

# Prints the pid of our redis-server on port $1, or fails.
our_pid() {
  local pidfile pid cmd
  pidfile="$(home_of "$1")/redis.pid"
  [[ -f "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(proc_cmdline "$pid")"
  [[ "$cmd" == *redis-server* && "$cmd" == *":$1"* ]] || return 1
  printf '%s' "$pid"
}

recorded_port() {
  [[ -f "$CURRENT_FILE" ]] || return 1
  local port
  port="$(sed -n 's/^REDIS_PORT=\([0-9]\{1,5\}\)$/\1/p' "$CURRENT_FILE" | head -n 1)"
  [[ -n "$port" ]] || return 1
  printf '%s' "$port"
}

ping_port() { [[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == "PONG" ]]; }

ensure_redis_installed() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "redis-server is not installed and apt-get is unavailable; install Redis 7 yourself or set REDIS_URL"
  local sudo=()
  if [[ "$(id -u)" != "0" ]]; then
    command -v sudo >/dev/null 2>&1 || die "redis-server is not installed; run as root or install it: apt-get install -y redis-server"
    sudo=(sudo)
  fi
  log "redis-server not found: installing Debian package redis-server ..."
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  command -v redis-server >/dev/null 2>&1 || die "apt-get install redis-server did not provide redis-server"
  log "installed $(redis-server --version | cut -d' ' -f1-3)"
}

# Starts redis-server on $1; returns non-zero if it did not come up.
launch() {
  local port="$1" dir
  dir="$(home_of "$port")"
  mkdir -p "$dir"
  rm -f "$dir/redis.pid"
  # The services' ACL users (ADR 0017) are kept in users.acl beside the data (ACL SAVE), so that they outlive a restart.
  (umask 077 && touch "$dir/users.acl")
  redis-server "$CONF" --port "$port" --bind 127.0.0.1 --protected-mode yes --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" --aclfile "$dir/users.acl" >/dev/null
  # Until it answers PING: while it loads its append-only file it answers LOADING.
  local i
  for ((i = 0; i < REDIS_START_TIMEOUT * 10; i++)); do
    if our_pid "$port" >/dev/null && ping_port "$port"; then return 0; fi
    # Daemonized: give it a moment to write its pid file, then a missing process is a failed start.
    if ((i > 20)) && ! our_pid "$port" >/dev/null; then break; fi
    sleep 0.1
  done
  log "redis-server did not come up on port $port; last lines of $dir/redis.log:" >&2
  tail -n 10 "$dir/redis.log" >&2 2>/dev/null || true
  return 1
}

record() {
  mkdir -p "$LOCAL_DIR"
  printf 'REDIS_PORT=%s\nREDIS_URL=redis://127.0.0.1:%s\n' "$1" "$1" >"$CURRENT_FILE.tmp.$$"
  mv "$CURRENT_FILE.tmp.$$" "$CURRENT_FILE"
}

cmd_start() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    command -v redis-cli >/dev/null 2>&1 || ensure_redis_installed
    local reply
    reply="$(redis-cli -u "$REDIS_URL" ping 2>&1 || true)"
    [[ "$reply" == "PONG" ]] || die "REDIS_URL=$REDIS_URL does not answer PING (got: ${reply:-nothing})"
    log "using external Redis (REDIS_URL is set; nothing started)"
    echo "REDIS_URL=$REDIS_URL"
    return 0
  fi

  ensure_redis_installed
  local port pid
  if [[ -n "${REDIS_PORT:-}" ]]; then
    port="$REDIS_PORT"
    require_port REDIS_PORT "$port"
    if pid="$(our_pid "$port")"; then
      log "already running (pid $pid) on 127.0.0.1:$port"
      record "$port"
      echo "REDIS_URL=redis://127.0.0.1:$port"
      return 0
    fi
    is_listening "$port" && die "port $port is already in use by another process; choose another REDIS_PORT (or unset it to pick a free one)"
    launch "$port" || die "could not start redis-server on port $port"
  else
    if port="$(recorded_port)" && pid="$(our_pid "$port")"; then
      log "already running (pid $pid) on 127.0.0.1:$port (from $CURRENT_FILE)"
      echo "REDIS_URL=redis://127.0.0.1:$port"
      return 0
    fi
    # First free port from PORT_SCAN_FIRST; on a lost race with another process, try the next one.
    local started=""
    for ((port = PORT_SCAN_FIRST; port <= PORT_SCAN_LAST; port++)); do
      if pid="$(our_pid "$port")"; then
        log "already running (pid $pid) on 127.0.0.1:$port"
        record "$port"
        echo "REDIS_URL=redis://127.0.0.1:$port"
        return 0
      fi
      is_listening "$port" && continue
      if launch "$port"; then started=1; break; fi
      is_listening "$port" || die "could not start redis-server on port $port"
    done
    [[ -n "$started" ]] || die "no free port in $PORT_SCAN_FIRST..$PORT_SCAN_LAST"
  fi
  record "$port"
  log "started (pid $(our_pid "$port")) on 127.0.0.1:$port, files in $(home_of "$port")"
  echo "REDIS_URL=redis://127.0.0.1:$port"
}

# Port to act on for stop/status: REDIS_PORT, else the recorded one.
target_port() {
  if [[ -n "${REDIS_PORT:-}" ]]; then
    require_port REDIS_PORT "$REDIS_PORT"
    printf '%s' "$REDIS_PORT"
  else
    recorded_port
  fi
}

cmd_stop() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    log "REDIS_URL is set: external Redis, not managed here (nothing stopped)"
    return 0
  fi
  local port pid
  if ! port="$(target_port)"; then
    log "not running (no REDIS_PORT and nothing recorded in $CURRENT_FILE)"
    return 0
  fi
  if ! pid="$(our_pid "$port")"; then
    log "not running on port $port"
  else
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do # up to 10 s
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "still alive after 10s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped (pid $pid) on port $port"
  fi
  rm -f "$(home_of "$port")/redis.pid"
  if [[ "$(recorded_port 2>/dev/null || true)" == "$port" ]]; then rm -f "$CURRENT_FILE"; fi
}

cmd_clean() {
  [[ -z "${REDIS_URL:-}" ]] || die "REDIS_URL is set: an external Redis is not cleaned here"
  local port
  port="$(target_port)" || { log "nothing to clean (no REDIS_PORT and nothing recorded in $CURRENT_FILE)"; return 0; }
  cmd_stop
  local dir
  dir="$(home_of "$port")"
  if [[ -d "$dir" ]]; then
    rm -rf "$dir"
    log "deleted $dir"
  fi
}

cmd_status() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    if [[ "$(redis-cli -u "$REDIS_URL" ping 2>/dev/null || true)" == "PONG" ]]; then
      log "external Redis at $REDIS_URL answers"
      return 0
    fi
    log "external Redis at $REDIS_URL does not answer"
    return 3
  fi
  local port pid
  if port="$(target_port)" && pid="$(our_pid "$port")"; then
    log "running (pid $pid) on 127.0.0.1:$port"
    echo "REDIS_URL=redis://127.0.0.1:$port"
    return 0
  fi
  log "not running${port:+ on port $port}"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  -h | --help | help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *)
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
