# Shared by the scripts of the local servers (infra/kafka/kafka.sh, infra/redis/redis.sh, infra/s3/s3.sh): their log
# lines, the checks of ports and processes, and the fetch of a server's jars with Maven. Sourced, not run; the script
# sets INFRA_TAG (the prefix of its lines, e.g. "kafka:9092") before it logs anything.

INFRA_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[%s] %s\n' "$INFRA_TAG" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$INFRA_TAG" "$*" >&2; exit 1; }

# Seconds since the epoch, with a fraction; `elapsed T0` prints the seconds since T0 to a tenth.
now() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then printf '%s' "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Dies unless $2 is a TCP port number; $1 names the setting it came from.
require_port() {
  [[ "$2" =~ ^[0-9]+$ ]] && ((10#$2 >= 1 && 10#$2 <= 65535)) || die "$1 must be a TCP port number, got '$2'"
}

# Dies unless $2 is a whole number of seconds, at least 1; $1 names the setting it came from.
require_seconds() {
  [[ "$2" =~ ^[0-9]{1,6}$ ]] && ((10#$2 >= 1)) || die "$1 must be a whole number of seconds, got '$2'"
}

# Dies unless the command $1 is on PATH; $2 says how to get it.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found in PATH ($2)"
}

# True if something listens on TCP $1 (any local address).
is_listening() {
  if command -v ss >/dev/null 2>&1; then
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# Who listens on $1, best effort, for error messages.
listener_info() {
  if command -v ss >/dev/null 2>&1; then
    ss -Hltnp "sport = :$1" 2>/dev/null | awk '{ print $4, $6 }' | head -n 3
  fi
}

# The command line of pid $1, its arguments joined by spaces (empty if it is gone).
proc_cmdline() {
  if [[ -r "/proc/$1/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -o args= -p "$1" 2>/dev/null || true
  fi
}

# True if pid $1 is alive and not a zombie.
is_alive() {
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r "/proc/$1/stat" ]]; then
    local state
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
    [[ "$state" != "Z" ]] || return 1
  fi
  return 0
}

# Prints the pid recorded in the file $1 if the function $2 (given the pid) takes it for the server's, or fails.
pid_from_file() {
  [[ -f "$1" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$1")"
  "$2" "$pid" || return 1
  printf '%s' "$pid"
}

# Fetches the runtime dependencies of a Maven project into a folder, once.
#   fetch_maven_jars POM DEST JAR WHAT MVN_ARGS [--quiet]
# JAR is a glob of the jar that must be among them, WHAT names them in messages, MVN_ARGS are extra Maven arguments
# (word-split, e.g. "-o"). DEST/.complete marks a finished fetch; a fetch goes to a folder beside DEST and is moved in
# whole, and a lock under .local serialises fetches that start together (several test servers at once).
fetch_maven_jars() {
  local pom="$1" dest="$2" jar="$3" what="$4" mvn_args="$5" quiet="${6:-}"
  if [[ -f "$dest/.complete" ]]; then
    [[ "$quiet" == "--quiet" ]] || log "$what already in $dest (delete it to fetch them again)"
    return 0
  fi
  require_cmd java "install a JDK 17"
  require_cmd mvn "install Maven 3.6+, e.g. apt-get install -y maven"

  mkdir -p "$INFRA_REPO_ROOT/.local"
  exec 9>"$INFRA_REPO_ROOT/.local/$(basename "$(dirname "$dest")")-fetch.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [[ -f "$dest/.complete" ]]; then
    exec 9>&-
    return 0
  fi

  local t0 tmp
  t0="$(now)"
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"
  log "fetching $what with Maven into $dest ..."
  # shellcheck disable=SC2086 # mvn_args is intentionally word-split
  # (sed: Maven 3.8 prints stray ANSI resets even with -B -q)
  if ! mvn -B -q -Dstyle.color=never -f "$pom" $mvn_args \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 |
    sed -e $'s/\x1b\\[[0-9;]*m//g' -e '/^[[:space:]]*$/d'; then
    rm -rf "$tmp"
    die "Maven failed to fetch $what (is Maven Central reachable? see output above)"
  fi
  compgen -G "$tmp/$jar" >/dev/null || { rm -rf "$tmp"; die "Maven finished but $jar is missing in $tmp"; }
  rm -rf "$dest"
  mv "$tmp" "$dest"
  printf 'fetched %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dest/.complete" # marker last
  exec 9>&-
  log "fetched $(find "$dest" -name '*.jar' | wc -l) jars ($(du -sh "$dest" | cut -f1)) in $(elapsed "$t0")s"
}
