# Shared by scripts/up, scripts/down and scripts/test. Sourced, not run.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$REPO_ROOT/.local"
PNPM_VERSION="$(node -p "require('$REPO_ROOT/package.json').packageManager.split('@')[1]")"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Everything a fresh machine needs before anything runs: pnpm, the Node packages, the Kafka jars.
bootstrap() {
  command -v node >/dev/null || die "Node 20 is required (node not found)"
  command -v java >/dev/null || die "Java 17 is required to run the Kafka broker (java not found)"
  if ! command -v pnpm >/dev/null || [[ "$(pnpm --version)" != "$PNPM_VERSION" ]]; then
    say "installing pnpm $PNPM_VERSION"
    npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
  fi
  say "installing Node packages"
  (cd "$REPO_ROOT" && pnpm install --frozen-lockfile --reporter=silent)
  say "fetching the Kafka broker's jars (once)"
  bash "$REPO_ROOT/infra/kafka/kafka.sh" fetch
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
