#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft combined mode), from jars fetched by Maven.
#
#   bash infra/kafka/kafka.sh fetch     # jars -> infra/kafka/lib/ (once; marker lib/.complete)
#   bash infra/kafka/kafka.sh start     # fetch if needed, format, start, wait, create topics
#   bash infra/kafka/kafka.sh stop      # SIGTERM, then SIGKILL after $KAFKA_STOP_TIMEOUT s
#   bash infra/kafka/kafka.sh status    # exit 0 if running, 3 if not
#   bash infra/kafka/kafka.sh topics    # list topics (partitions, retention)
#   bash infra/kafka/kafka.sh clean     # stop and delete $KAFKA_HOME_DIR
#   bash infra/kafka/kafka.sh credentials [name]  # KAFKA_USERNAME=/KAFKA_PASSWORD= lines of a principal (default admin)
#
# Clients log in with SASL/SCRAM-SHA-256 and the broker checks ACLs (ADR 0017): at the first start, a password is
# generated for `admin` (super user: these scripts, the tests' plain clients) and for each service of
# infra/services.json, kept in $KAFKA_HOME_DIR/scram-credentials (mode 600, `name=password` lines); every start grants
# the services' ACLs (topics and groups unprefixed).
#
# Environment:
#   KAFKA_PORT             client port (default 9092), always bound to 127.0.0.1
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT+1)
#   KAFKA_HOME_DIR         data, logs, pid file, generated config (default <repo>/.local/kafka-$KAFKA_PORT)
#   KAFKA_TOPICS_FILE      topics to create on start (default <repo>/infra/topics.json)
#   KAFKA_START_TIMEOUT    seconds to wait for the broker (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_HEAP_OPTS        default "-Xms256m -Xmx512m"
#   KAFKA_MVN_ARGS         extra Maven arguments for fetch (e.g. "-o" or "-s settings.xml")
#
# Requirements: Java 17, Maven 3.6+ (fetch only), Node ≥ 20 and `pnpm install` done at the repo root (the admin
# steps run packages/kafka's admin CLI through tsx; scripts/up and scripts/test run it on their Node 24).
# On success, start prints KAFKA_BROKERS=127.0.0.1:<port> as its last line.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LIB_DIR="$SCRIPT_DIR/lib"
POM="$SCRIPT_DIR/pom.xml"
TEMPLATE="$SCRIPT_DIR/server.properties.template"
LOG4J="$SCRIPT_DIR/log4j.properties"
ADMIN="packages/kafka/src/cli/admin.ts"

KAFKA_PORT="${KAFKA_PORT:-9092}"
INFRA_TAG="kafka:$KAFKA_PORT"
# shellcheck source=../lib.sh
source "$SCRIPT_DIR/../lib.sh"
require_port KAFKA_PORT "$KAFKA_PORT"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_HOME_DIR="${KAFKA_HOME_DIR:-$REPO_ROOT/.local/kafka-$KAFKA_PORT}"
KAFKA_TOPICS_FILE="${KAFKA_TOPICS_FILE:-$REPO_ROOT/infra/topics.json}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
require_seconds KAFKA_START_TIMEOUT "$KAFKA_START_TIMEOUT"
require_seconds KAFKA_STOP_TIMEOUT "$KAFKA_STOP_TIMEOUT"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_MVN_ARGS="${KAFKA_MVN_ARGS:-}"

DATA_DIR="$KAFKA_HOME_DIR/data"
LOG_DIR="$KAFKA_HOME_DIR/logs"
PROPS="$KAFKA_HOME_DIR/server.properties"
PID_FILE="$KAFKA_HOME_DIR/kafka.pid"
CLUSTER_ID_FILE="$KAFKA_HOME_DIR/cluster.id"
CREDENTIALS_FILE="$KAFKA_HOME_DIR/scram-credentials"
SERVICES_FILE="$REPO_ROOT/infra/services.json"
STDOUT_LOG="$LOG_DIR/stdout.log"
BROKERS="127.0.0.1:$KAFKA_PORT"

# True if pid $1 is the broker started from this home dir.
is_our_broker() {
  is_alive "$1" || return 1
  local cmd
  cmd="$(proc_cmdline "$1")"
  [[ "$cmd" == *"kafka.Kafka"* && "$cmd" == *"$PROPS"* ]]
}

# Prints the pid of our running broker, or fails.
running_pid() { pid_from_file "$PID_FILE" is_our_broker; }

# The admin CLI of packages/kafka (wait, create-topics, list, grant-service-acls), from the repository root where tsx
# resolves, logged in as admin.
admin_cli() {
  [[ -d "$REPO_ROOT/node_modules/tsx" && -d "$REPO_ROOT/packages/kafka/node_modules" ]] ||
    die "Node packages are not installed: run \`pnpm install\` at the repository root (or bash scripts/up)"
  (cd "$REPO_ROOT" && KAFKA_USERNAME=admin KAFKA_PASSWORD="$(password_of admin)" node --import tsx "$ADMIN" "$@")
}

# The password of principal $1 in $CREDENTIALS_FILE, or fails.
password_of() {
  [[ -f "$CREDENTIALS_FILE" ]] || return 1
  local line
  line="$(grep -m 1 "^$1=" "$CREDENTIALS_FILE")" || return 1
  printf '%s' "${line#*=}"
}

# The principals: admin and each service of infra/services.json that uses Kafka.
principals() {
  echo admin
  node -e 'const s = require(process.argv[1]).services; for (const [n, a] of Object.entries(s)) if (a.kafka) console.log(n);' "$SERVICES_FILE"
}

# Writes $CREDENTIALS_FILE (once): a random password for each principal.
write_credentials() {
  local name tmp="$CREDENTIALS_FILE.tmp.$$"
  (
    umask 077
    for name in $(principals); do
      printf '%s=%s\n' "$name" "$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
    done >"$tmp"
  )
  mv "$tmp" "$CREDENTIALS_FILE"
}

java_tool() {
  # Runs a Kafka CLI class quietly (tool logging goes to $LOG_DIR/server.log).
  java -Xmx256m -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOG_DIR" -cp "$LIB_DIR/*" "$@"
}

# ---------------------------------------------------------------- fetch

cmd_fetch() {
  fetch_maven_jars "$POM" "$LIB_DIR" "kafka_2.13-*.jar" "Kafka's jars" "$KAFKA_MVN_ARGS" "${1:-}"
}

# ---------------------------------------------------------------- start

# The broker of a data directory formatted before logins were required, started once as it was then (its client
# listener open, no authorizer; on 127.0.0.1 only) just long enough to add each principal's SCRAM credential, then stopped.
add_users_to_open_broker() {
  local open="$KAFKA_HOME_DIR/server-open.properties" pid name password t0
  t0="$(now)"
  log "$DATA_DIR was formatted before the broker required logins: adding its SCRAM users (once)"
  sed -e 's/^listener.security.protocol.map=.*/listener.security.protocol.map=CLIENT:PLAINTEXT,CONTROLLER:PLAINTEXT/' \
    -e '/^authorizer.class.name=/d' -e '/^super.users=/d' -e '/^allow.everyone.if.no.acl.found=/d' \
    -e '/^sasl\./d' -e '/^listener.name.client\./d' "$PROPS" >"$open"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is intentionally word-split
  (
    cd "$KAFKA_HOME_DIR"
    exec java $KAFKA_HEAP_OPTS -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOG_DIR" -cp "$LIB_DIR/*" kafka.Kafka "$open"
  ) </dev/null >>"$STDOUT_LOG" 2>&1 &
  pid=$!
  local deadline=$(($(date +%s) + KAFKA_START_TIMEOUT))
  until is_listening "$KAFKA_PORT"; do
    is_alive "$pid" || { rm -f "$CREDENTIALS_FILE"; die "the broker (open, to add its users) exited during startup: see $STDOUT_LOG"; }
    (($(date +%s) < deadline)) || { kill -KILL "$pid"; rm -f "$CREDENTIALS_FILE"; die "the broker (open, to add its users) did not start"; }
    sleep 0.2
  done
  while IFS='=' read -r name password; do
    [[ -n "$name" ]] || continue
    if ! java_tool kafka.admin.ConfigCommand --bootstrap-server "$BROKERS" --alter --entity-type users --entity-name "$name" \
      --add-config "SCRAM-SHA-256=[password=$password]" >>"$LOG_DIR/format.log" 2>&1; then
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$CREDENTIALS_FILE"
      die "could not add the SCRAM user $name (see $LOG_DIR/format.log)"
    fi
  done <"$CREDENTIALS_FILE"
  kill -TERM "$pid" 2>/dev/null || true
  while is_alive "$pid"; do sleep 0.2; done
  rm -f "$open"
  log "added $(wc -l <"$CREDENTIALS_FILE") SCRAM users in $(elapsed "$t0")s"
}

# A principal added to infra/services.json after this broker was formatted (a new service): a password is added to
# $CREDENTIALS_FILE and its SCRAM user created through the running broker, logged in as admin.
add_missing_principals() {
  local name password admin_props="$KAFKA_HOME_DIR/admin-client.properties"
  for name in $(principals); do
    password_of "$name" >/dev/null && continue
    password="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
    (
      umask 077
      printf '%s\n' 'security.protocol=SASL_PLAINTEXT' 'sasl.mechanism=SCRAM-SHA-256' \
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$(password_of admin)\";" >"$admin_props"
    )
    if ! java_tool kafka.admin.ConfigCommand --bootstrap-server "$BROKERS" --command-config "$admin_props" --alter \
      --entity-type users --entity-name "$name" --add-config "SCRAM-SHA-256=[password=$password]" >>"$LOG_DIR/format.log" 2>&1; then
      rm -f "$admin_props"
      die "could not add the SCRAM user $name (see $LOG_DIR/format.log)"
    fi
    rm -f "$admin_props"
    (umask 077 && printf '%s=%s\n' "$name" "$password" >>"$CREDENTIALS_FILE")
    log "added the SCRAM user $name (new in infra/services.json)"
  done
}

render_properties() {
  local content
  content="$(<"$TEMPLATE")"
  content="${content//'${KAFKA_PORT}'/$KAFKA_PORT}"
  content="${content//'${CONTROLLER_PORT}'/$KAFKA_CONTROLLER_PORT}"
  content="${content//'${DATA_DIR}'/$DATA_DIR}"
  content="${content//'${ADMIN_PASSWORD}'/$(password_of admin)}"
  (umask 077 && printf '%s\n' "$content" >"$PROPS.tmp")
  mv "$PROPS.tmp" "$PROPS"
}

fail_start() {
  local pid="$1" reason="$2"
  printf '[kafka:%s] ERROR: %s\n' "$KAFKA_PORT" "$reason" >&2
  for f in "$STDOUT_LOG" "$LOG_DIR/server.log"; do
    if [[ -s "$f" ]]; then
      printf -- '----- last lines of %s -----\n' "$f" >&2
      tail -n 25 "$f" >&2
    fi
  done
  if is_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  exit 1
}

cmd_start() {
  require_port KAFKA_CONTROLLER_PORT "$KAFKA_CONTROLLER_PORT"
  [[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ"

  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid) on $BROKERS, home $KAFKA_HOME_DIR"
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  rm -f "$PID_FILE"

  local port
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if is_listening "$port"; then
      die "port $port is already in use by another process: $(listener_info "$port" | tr '\n' ' ')
  Stop it, or pick other ports: KAFKA_PORT=<port> [KAFKA_CONTROLLER_PORT=<port>] $0 start"
    fi
  done

  require_cmd java "install a JDK 17"
  require_cmd node "install Node ≥ 20 (scripts/up and scripts/test bring Node 24)"
  [[ -f "$KAFKA_TOPICS_FILE" ]] || die "topics file not found: $KAFKA_TOPICS_FILE"
  KAFKA_TOPICS_FILE="$(realpath "$KAFKA_TOPICS_FILE")" # the admin CLI runs from the repository root
  cmd_fetch --quiet

  local t_total
  t_total="$(now)"
  mkdir -p "$DATA_DIR" "$LOG_DIR"
  if [[ ! -f "$CREDENTIALS_FILE" ]]; then
    write_credentials
    render_properties
    # Formatted before the broker required logins (ADR 0017): its log has no SCRAM user yet, and none can be added
    # through a listener that requires one. Added once through the old, open one; the log is kept.
    if [[ -f "$DATA_DIR/meta.properties" ]]; then add_users_to_open_broker; fi
  fi
  render_properties

  if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
    java_tool kafka.tools.StorageTool random-uuid | tr -dc 'A-Za-z0-9_-' >"$CLUSTER_ID_FILE.tmp"
    [[ -s "$CLUSTER_ID_FILE.tmp" ]] || die "kafka.tools.StorageTool random-uuid produced no id"
    mv "$CLUSTER_ID_FILE.tmp" "$CLUSTER_ID_FILE"
  fi
  local cluster_id
  cluster_id="$(<"$CLUSTER_ID_FILE")"

  # Formatting costs a JVM start (~1-2 s); skip it when the data dir is already formatted.
  if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
    # Each principal's SCRAM credential is written into the metadata log at format time (KRaft, Kafka 3.5+).
    local scram=() line
    while IFS= read -r line; do
      [[ -n "$line" ]] && scram+=(--add-scram "SCRAM-SHA-256=[name=${line%%=*},password=${line#*=}]")
    done <"$CREDENTIALS_FILE"
    java_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" --ignore-formatted "${scram[@]}" \
      >>"$LOG_DIR/format.log" 2>&1 || { cat "$LOG_DIR/format.log" >&2; die "storage format failed"; }
    log "formatted $DATA_DIR (cluster id $cluster_id)"
  fi

  printf '===== %s kafka.sh start (port %s) =====\n' "$(date '+%F %T')" "$KAFKA_PORT" >>"$STDOUT_LOG"
  local t_launch
  t_launch="$(now)"
  local detach=()
  if command -v setsid >/dev/null 2>&1; then detach=(setsid); fi
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is intentionally word-split
  (
    cd "$KAFKA_HOME_DIR"
    exec nohup "${detach[@]}" java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$LOG_DIR" \
      -cp "$LIB_DIR/*" kafka.Kafka "$PROPS"
  ) </dev/null >>"$STDOUT_LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "starting broker (pid $pid) on $BROKERS, controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, home $KAFKA_HOME_DIR"

  # Phase 1: wait for the port (fails fast if the JVM dies); phase 2: a metadata round trip (packages/kafka).
  local deadline
  deadline="$(awk -v a="$t_launch" -v t="$KAFKA_START_TIMEOUT" 'BEGIN { printf "%d", a + t }')"
  until is_listening "$KAFKA_PORT"; do
    is_alive "$pid" || fail_start "$pid" "broker process exited during startup"
    (($(date +%s) < deadline)) || fail_start "$pid" "broker did not open port $KAFKA_PORT within ${KAFKA_START_TIMEOUT}s"
    sleep 0.2
  done
  is_our_broker "$pid" || fail_start "$pid" "port $KAFKA_PORT is open but pid $pid is not our broker"
  local remaining=$((deadline - $(date +%s)))
  ((remaining >= 1)) || remaining=1
  admin_cli wait --brokers "$BROKERS" --timeout "$remaining" >/dev/null ||
    fail_start "$pid" "broker did not answer metadata requests within ${KAFKA_START_TIMEOUT}s"
  local ready_secs
  ready_secs="$(elapsed "$t_launch")"

  if ! admin_cli create-topics --brokers "$BROKERS" --file "$KAFKA_TOPICS_FILE" --timeout 60 |
    sed "s/^/[kafka:$KAFKA_PORT]   /"; then
    die "topic creation failed (broker left running, pid $pid; '$0 stop' to stop it)"
  fi
  add_missing_principals
  admin_cli grant-service-acls --brokers "$BROKERS" | sed "s/^/[kafka:$KAFKA_PORT]   /" ||
    die "granting the services' ACLs failed (broker left running, pid $pid; '$0 stop' to stop it)"
  log "ready in ${ready_secs}s (JVM launch -> broker answering); total with format + topics $(elapsed "$t_total")s"
  echo "KAFKA_BROKERS=$BROKERS"
}

# ---------------------------------------------------------------- stop / status / clean

cmd_stop() {
  if [[ ! -f "$PID_FILE" ]]; then
    log "not running (no pid file in $KAFKA_HOME_DIR)"
    return 0
  fi
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  if ! is_our_broker "$pid"; then
    rm -f "$PID_FILE"
    log "not running (removed stale pid file)"
    return 0
  fi
  local t0 deadline
  t0="$(now)"
  deadline=$(($(date +%s) + KAFKA_STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while is_alive "$pid" && (($(date +%s) < deadline)); do sleep 0.2; done
  if is_alive "$pid"; then
    log "still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while is_alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped (pid $pid) in $(elapsed "$t0")s"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    log "running (pid $pid) on $BROKERS, home $KAFKA_HOME_DIR"
    return 0
  fi
  log "not running (home $KAFKA_HOME_DIR)"
  return 3
}

cmd_clean() {
  cmd_stop
  local dir="$KAFKA_HOME_DIR"
  [[ -n "$dir" && "$dir" != "/" && "$dir" != "$REPO_ROOT" && "$dir" != "${HOME:-/}" ]] ||
    die "refusing to delete KAFKA_HOME_DIR='$dir'"
  if [[ -d "$dir" ]]; then
    if [[ -n "$(ls -A "$dir")" && ! -e "$dir/server.properties" && ! -e "$dir/data" && ! -e "$dir/cluster.id" ]]; then
      die "refusing to delete $dir: it does not look like a kafka.sh home dir"
    fi
    rm -rf "$dir"
    log "deleted $dir"
  else
    log "nothing to delete ($dir does not exist)"
  fi
}

cmd_credentials() {
  local name="${1:-admin}" password
  password="$(password_of "$name")" || die "no credentials for '$name' in $CREDENTIALS_FILE (has the broker been started?)"
  printf 'KAFKA_USERNAME=%s\nKAFKA_PASSWORD=%s\n' "$name" "$password"
}

cmd_topics() {
  require_cmd node "install Node ≥ 20 (scripts/up and scripts/test bring Node 24)"
  admin_cli list --brokers "$BROKERS" "$@"
}

usage() {
  sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  topics) shift; cmd_topics "$@" ;;
  credentials) shift; cmd_credentials "$@" ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
