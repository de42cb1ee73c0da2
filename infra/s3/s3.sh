#!/usr/bin/env bash
# Local S3 server: s3proxy (org.gaul:s3proxy) with its filesystem backend, from jars fetched by Maven (as Kafka's).
#
#   bash infra/s3/s3.sh fetch     # jars -> infra/s3/lib/ (once; marker lib/.complete)
#   bash infra/s3/s3.sh start     # fetch if needed, start, wait, create the bucket
#   bash infra/s3/s3.sh stop      # SIGTERM, then SIGKILL after 20 s
#   bash infra/s3/s3.sh status    # exit 0 if running, 3 if not
#   bash infra/s3/s3.sh clean     # stop and delete $S3_HOME_DIR
#
# Environment:
#   S3_PORT                port (default 9000), always bound to 127.0.0.1
#   S3_HOME_DIR            objects, logs, pid file, generated config (default <repo>/.local/s3-$S3_PORT)
#   S3_BUCKET              bucket created on start (default gridgov-photos)
#   S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY
#                          the credentials s3proxy requires (AWS signature v2/v4); default: those in
#                          <repo>/.local/secrets.env (written by scripts/dev-secrets)
#   S3_START_TIMEOUT       seconds to wait for the server (default 60)
#   S3_MVN_ARGS            extra Maven arguments for fetch (e.g. "-o")
#
# Requirements: Java 17, Maven 3.6+ (fetch only). On success, start prints S3_ENDPOINT=http://127.0.0.1:<port> as
# its last line. The objects live as plain files under $S3_HOME_DIR/data/<bucket>/.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LIB_DIR="$SCRIPT_DIR/lib"
POM="$SCRIPT_DIR/pom.xml"

S3_PORT="${S3_PORT:-9000}"
S3_HOME_DIR="${S3_HOME_DIR:-$REPO_ROOT/.local/s3-$S3_PORT}"
S3_BUCKET="${S3_BUCKET:-gridgov-photos}"
S3_START_TIMEOUT="${S3_START_TIMEOUT:-60}"
S3_MVN_ARGS="${S3_MVN_ARGS:-}"
SECRETS="$REPO_ROOT/.local/secrets.env"

DATA_DIR="$S3_HOME_DIR/data"
LOG_FILE="$S3_HOME_DIR/s3proxy.log"
PROPS="$S3_HOME_DIR/s3proxy.properties"
PID_FILE="$S3_HOME_DIR/s3proxy.pid"
ENDPOINT="http://127.0.0.1:$S3_PORT"

INFRA_TAG="s3:$S3_PORT"
# shellcheck source=../lib.sh
source "$SCRIPT_DIR/../lib.sh"
require_seconds S3_START_TIMEOUT "$S3_START_TIMEOUT"

# True if pid $1 is the s3proxy started from this home dir.
is_ours() { is_alive "$1" && [[ "$(proc_cmdline "$1")" == *"org.gaul.s3proxy.Main"*"$PROPS"* ]]; }
running_pid() { pid_from_file "$PID_FILE" is_ours; }

cmd_fetch() {
  fetch_maven_jars "$POM" "$LIB_DIR" "s3proxy-*.jar" "s3proxy's jars" "$S3_MVN_ARGS" "${1:-}"
}

credentials() {
  if [[ -z "${S3_ACCESS_KEY_ID:-}" || -z "${S3_SECRET_ACCESS_KEY:-}" ]] && [[ -f "$SECRETS" ]]; then
    S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:-$(sed -n 's/^S3_ACCESS_KEY_ID=//p' "$SECRETS")}"
    S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:-$(sed -n 's/^S3_SECRET_ACCESS_KEY=//p' "$SECRETS")}"
  fi
  [[ -n "${S3_ACCESS_KEY_ID:-}" && -n "${S3_SECRET_ACCESS_KEY:-}" ]] ||
    die "no credentials: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or run bash scripts/dev-secrets"
}

cmd_start() {
  require_port S3_PORT "$S3_PORT"
  [[ "$S3_BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "S3_BUCKET '$S3_BUCKET' is not a valid bucket name"
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on $ENDPOINT, home $S3_HOME_DIR"
    mkdir -p "$DATA_DIR/$S3_BUCKET"
    echo "S3_ENDPOINT=$ENDPOINT"
    return 0
  fi
  rm -f "$PID_FILE"
  is_listening "$S3_PORT" && die "port $S3_PORT is already in use: pick another one: S3_PORT=<port> $0 start"
  require_cmd java "install a JDK 17"
  credentials
  cmd_fetch --quiet
  # A bucket of the filesystem backend is a folder: created here, so that it exists before any service starts.
  mkdir -p "$DATA_DIR/$S3_BUCKET"
  (
    umask 077
    cat >"$PROPS.tmp" <<PROPS
s3proxy.endpoint=$ENDPOINT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS_KEY_ID
s3proxy.credential=$S3_SECRET_ACCESS_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=$DATA_DIR
PROPS
    mv "$PROPS.tmp" "$PROPS"
  )
  printf '===== %s s3.sh start (port %s) =====\n' "$(date '+%F %T')" "$S3_PORT" >>"$LOG_FILE"
  local detach=()
  command -v setsid >/dev/null && detach=(setsid)
  (
    cd "$S3_HOME_DIR"
    exec nohup "${detach[@]}" java -Xms64m -Xmx256m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -cp "$LIB_DIR/*" org.gaul.s3proxy.Main --properties "$PROPS"
  ) </dev/null >>"$LOG_FILE" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "starting s3proxy (pid $pid) on $ENDPOINT, objects in $DATA_DIR"
  local deadline=$(($(date +%s) + S3_START_TIMEOUT))
  # Ready when it answers HTTP (an unsigned request gets 403 AccessDenied: the server is up).
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/" 2>/dev/null || true)" =~ ^[2-4][0-9][0-9]$ ]]; do
    if ! is_alive "$pid" || (($(date +%s) >= deadline)); then
      tail -n 25 "$LOG_FILE" >&2
      is_alive "$pid" && kill -KILL "$pid" 2>/dev/null
      rm -f "$PID_FILE"
      die "s3proxy did not answer on $ENDPOINT within ${S3_START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  log "ready; bucket $S3_BUCKET"
  echo "S3_ENDPOINT=$ENDPOINT"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(date +%s) + 20))
  while is_alive "$pid" && (($(date +%s) < deadline)); do sleep 0.2; done
  is_alive "$pid" && kill -KILL "$pid" 2>/dev/null
  rm -f "$PID_FILE"
  log "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid) on $ENDPOINT, home $S3_HOME_DIR"
    return 0
  fi
  log "not running (home $S3_HOME_DIR)"
  return 3
}

cmd_clean() {
  cmd_stop
  local dir="$S3_HOME_DIR"
  [[ -n "$dir" && "$dir" != "/" && "$dir" != "$REPO_ROOT" && "$dir" != "${HOME:-/}" ]] || die "refusing to delete S3_HOME_DIR='$dir'"
  if [[ -d "$dir" && -n "$(ls -A "$dir")" && ! -e "$dir/data" && ! -e "$PROPS" ]]; then
    die "refusing to delete $dir: it does not look like an s3.sh home dir"
  fi
  rm -rf "$dir"
  log "deleted $dir"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  -h | --help | help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
