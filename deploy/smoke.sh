#!/usr/bin/env bash
# The deployment of docs/deployment.md on this one machine, checked end to end, then removed:
#   a streaming replica of the local PostgreSQL (pg_basebackup -R) on SMOKE_REPLICA_PORT,
#   a fresh database with the demo county, two gunicorn app processes with the production
#   settings, two task workers, nginx in front serving the static files, Redis for the cache
#   and the sessions; then deploy/smoke_checks.py. Everything it started is stopped and
#   everything it made is removed whatever happens (trap), within SMOKE_TIMEOUT_S.
#
# Needs: root (runuser postgres, nginx), PostgreSQL on 127.0.0.1:5432 with `root` a superuser,
# Redis on 127.0.0.1:6379, nginx (apt-get install nginx), the venv (.venv) and the assets.
# If the cluster's pg_hba.conf has no line for replication from 127.0.0.1, one line is added
# for the run (trust, user postgres, 127.0.0.1/32 only), the cluster reloaded, and the line
# removed again at the end.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin

PRIMARY_PORT=${SMOKE_PRIMARY_PORT:-5432}
REPLICA_PORT=${SMOKE_REPLICA_PORT:-5433}
APP_PORTS=(${SMOKE_APP_PORTS:-18201 18202})
NGINX_PORT=${SMOKE_NGINX_PORT:-18280}
DB=${SMOKE_DB:-dep_smoke}
REDIS_DB=${SMOKE_REDIS_DB:-6}
LIMIT=${SMOKE_TIMEOUT_S:-900}
# registry: the demo county's registry and accounts (fast); demo: `daibiao demo load`, the
# whole campaign with its history (≈30 s on an idle machine).
DATA=${SMOKE_DATA:-registry}
HBA_MARK="# daibiao deploy/smoke.sh (removed when it ends)"

say() { printf '== %s\n' "$*"; }
die() { printf 'smoke: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it starts PostgreSQL as the postgres user, and nginx)"
command -v nginx >/dev/null || die "nginx is missing: apt-get install -y nginx"
command -v redis-cli >/dev/null && redis-cli -n "$REDIS_DB" ping >/dev/null || die "Redis on 127.0.0.1:6379 does not answer"
psql() { command psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U root "$@"; }
psql -p "$PRIMARY_PORT" -d postgres -Atc 'select 1' >/dev/null || die "PostgreSQL on 127.0.0.1:$PRIMARY_PORT does not answer"
for port in "$REPLICA_PORT" "${APP_PORTS[@]}" "$NGINX_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is taken"; fi
done

WORK=$(mktemp -d /tmp/daibiao-smoke.XXXXXX)
chmod 755 "$WORK"  # postgres (the replica) and nginx's workers read under it
PIDS=()
HBA_FILE=""
STARTED=$SECONDS

alive() {  # a process that has exited but not been reaped (a zombie) answers kill -0 too
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $stat != Z* ]]
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  say "tear-down"
  # INT: gunicorn's and nginx's quick shutdown; the workers' graceful one (no task is running).
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  if [ -f "$WORK/replica/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/replica" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  if [ -n "$HBA_FILE" ]; then
    sed -i "\|$HBA_MARK|d" "$HBA_FILE"
    psql -p "$PRIMARY_PORT" -d postgres -Atc 'select pg_reload_conf()' >/dev/null || true
  fi
  # Other sessions (the app's pooled connections are gone by now) would block the drop.
  psql -p "$PRIMARY_PORT" -d postgres -Atc "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$DB' and pid <> pg_backend_pid()" >/dev/null 2>&1 || true
  command dropdb -h 127.0.0.1 -p "$PRIMARY_PORT" -U root --if-exists "$DB" 2>/dev/null || true
  redis-cli -n "$REDIS_DB" --scan --pattern 'dep-smoke:*' | xargs -r redis-cli -n "$REDIS_DB" del >/dev/null || true
  [ -n "${WATCHDOG:-}" ] && kill "$WATCHDOG" 2>/dev/null
  if [ "$rc" != 0 ] && [ -d "$WORK" ]; then
    for log in "$WORK"/*.log "$WORK"/nginx/error.log; do
      [ -s "$log" ] && { echo "--- last lines of $log"; tail -n 15 "$log"; }
    done
  fi
  rm -rf "$WORK"
  echo "smoke: $([ "$rc" = 0 ] && echo PASSED || echo "FAILED (exit $rc)") in $((SECONDS - STARTED)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "smoke: stopped (signal or over ${LIMIT} s)" >&2; exit 124' INT TERM
# The whole run is bounded: each step has its own timeout, and this stops what is left.
( sleep "$LIMIT"; kill -TERM $$ 2>/dev/null ) &
WATCHDOG=$!

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "$what did not come up within ${seconds} s"
}

# --- 1. the streaming replica --------------------------------------------------------------------
MAJOR=$(psql -p "$PRIMARY_PORT" -d postgres -Atc 'show server_version_num')
MAJOR=$((MAJOR / 10000))
PGBIN=/usr/lib/postgresql/$MAJOR/bin
[ -x "$PGBIN/pg_ctl" ] || die "no $PGBIN/pg_ctl for PostgreSQL $MAJOR"
[ "$(psql -p "$PRIMARY_PORT" -d postgres -Atc 'show wal_level')" != minimal ] || die "wal_level is minimal: no replica possible"
RULES=$(psql -p "$PRIMARY_PORT" -d postgres -Atc "select count(*) from pg_hba_file_rules
  where 'replication' = any(database) and type in ('host', 'hostnossl') and auth_method <> 'reject'
    and (address in ('all', 'samehost', 'samenet') or address like '127.%')")
if [ "$RULES" = 0 ]; then
  HBA_FILE=$(psql -p "$PRIMARY_PORT" -d postgres -Atc 'show hba_file')
  say "pg_hba.conf allows no replication from 127.0.0.1: adding one line for this run to $HBA_FILE"
  printf 'host replication postgres 127.0.0.1/32 trust %s\n' "$HBA_MARK" >>"$HBA_FILE"
  psql -p "$PRIMARY_PORT" -d postgres -Atc 'select pg_reload_conf()' >/dev/null
  sleep 1
fi

say "replica: pg_basebackup -R of 127.0.0.1:$PRIMARY_PORT into $WORK/replica, port $REPLICA_PORT"
install -d -o postgres -g postgres -m 700 "$WORK/replica"
timeout 300 runuser -u postgres -- "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
  -D "$WORK/replica" -R -X stream -c fast --no-sync
# Hot standby needs at least the primary's limits.
limits=""
for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
  limits+="$name = $(psql -p "$PRIMARY_PORT" -d postgres -Atc "show $name")"$'\n'
done
# Debian keeps postgresql.conf and pg_hba.conf in /etc, so the copy gets its own.
cat >"$WORK/replica/postgresql.conf" <<EOF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/replica'
hba_file = '$WORK/replica/pg_hba.conf'
ident_file = '$WORK/replica/pg_ident.conf'
hot_standby = on
shared_buffers = 32MB
fsync = off
$limits
# Every statement is logged: the checks read this log to see which queries reached the replica.
log_statement = 'all'
log_line_prefix = '%m [%p] %d '
EOF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$WORK/replica/pg_hba.conf"
: >"$WORK/replica/pg_ident.conf"
chown postgres:postgres "$WORK/replica/postgresql.conf" "$WORK/replica/pg_hba.conf" "$WORK/replica/pg_ident.conf"
touch "$WORK/replica.log" && chown postgres "$WORK/replica.log"
timeout 90 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/replica" -l "$WORK/replica.log" -w -t 60 start >/dev/null
[ "$(psql -p "$REPLICA_PORT" -d postgres -Atc 'select pg_is_in_recovery()')" = t ] || die "the replica is not in recovery"
wait_for 30 "streaming from the primary" bash -c \
  "[ \"\$(command psql -X -h 127.0.0.1 -p $PRIMARY_PORT -U root -d postgres -Atc \"select count(*) from pg_stat_replication where state = 'streaming'\")\" -ge 1 ]"
say "replica streaming ($(psql -p "$PRIMARY_PORT" -d postgres -Atc "select string_agg(application_name || ' ' || state, ', ') from pg_stat_replication"))"

# --- 2. the database and the demo county -----------------------------------------------------------
say "database $DB on the primary: migrate, demo county, static files"
command dropdb -h 127.0.0.1 -p "$PRIMARY_PORT" -U root --if-exists "$DB"
command createdb -h 127.0.0.1 -p "$PRIMARY_PORT" -U root "$DB"
mkdir -p "$WORK/var" "$WORK/static"
cat >"$WORK/env" <<EOF
DJANGO_SETTINGS_MODULE=daibiao.settings.prod
SECRET_KEY=smoke-$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')
ALLOWED_HOSTS=127.0.0.1,localhost
SECURE_SSL_REDIRECT=0
DATABASE_URL=postgres://root@127.0.0.1:$PRIMARY_PORT/$DB
DATABASE_REPLICA_URL=postgres://root@127.0.0.1:$REPLICA_PORT/$DB
DATABASE_CONN_MAX_AGE=60
REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
CACHE_KEY_PREFIX=dep-smoke
DATABASE_ROUTING_HEADER=1
DAIBIAO_VAR_DIR=$WORK/var
STATIC_ROOT=$WORK/static
LOG_LEVEL=WARNING
EOF
set -a
# shellcheck disable=SC1091
. "$WORK/env"
set +a
t0=$SECONDS
timeout 400 "$BIN/daibiao" migrate --no-input -v0
say "migrated in $((SECONDS - t0)) s"
t0=$SECONDS
# The demo county only loads in demo mode (its accounts have a published password): the dev
# profile against the same database.
demo() { timeout 400 env DJANGO_SETTINGS_MODULE=daibiao.settings.dev DAIBIAO_DEMO=1 "$BIN/daibiao" "$@"; }
case "$DATA" in
  demo) demo demo load >"$WORK/demo.log" 2>&1 ;;
  registry) demo shell -c 'from daibiao.registry.demo import load_demo; print(load_demo())' >"$WORK/demo.log" 2>&1 ;;
  *) die "SMOKE_DATA is demo or registry, not $DATA" ;;
esac
say "demo county ($DATA) loaded in $((SECONDS - t0)) s"
t0=$SECONDS
timeout 300 "$BIN/daibiao" collectstatic --no-input -v0
say "collectstatic in $((SECONDS - t0)) s"

# --- 3. app processes and workers ---------------------------------------------------------------
for port in "${APP_PORTS[@]}"; do
  WEB_CONCURRENCY=1 GUNICORN_THREADS=4 GUNICORN_BIND=127.0.0.1:$port GUNICORN_ACCESS_LOG="$WORK/access-$port.log" \
    "$BIN/gunicorn" -c deploy/gunicorn.conf.py >"$WORK/gunicorn-$port.log" 2>&1 &
  PIDS+=($!)
done
for n in 1 2; do
  "$BIN/daibiao" db_worker --interval 1 --no-reload --no-startup-delay --worker-id "smoke-worker-$n" \
    >"$WORK/worker-$n.log" 2>&1 &
  PIDS+=($!)
done
for port in "${APP_PORTS[@]}"; do
  wait_for 60 "gunicorn on $port" curl -fsS -o /dev/null "http://127.0.0.1:$port/accounts/login/"
done
say "app processes on ${APP_PORTS[*]}, workers smoke-worker-1 and smoke-worker-2"

# --- 4. nginx ---------------------------------------------------------------------------------
mkdir -p "$WORK/nginx/tmp"
upstreams=()
for port in "${APP_PORTS[@]}"; do upstreams+=(--upstream "127.0.0.1:$port"); done
"$BIN/python" deploy/render_nginx.py --server-name 127.0.0.1 --listen "127.0.0.1:$NGINX_PORT" \
  "${upstreams[@]}" --static-root "$WORK/static" --debug-headers >"$WORK/nginx/daibiao.conf"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $WORK/nginx/access.log;
    sendfile on;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/daibiao.conf;
}
EOF
nginx -t -q -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;'
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' &
PIDS+=($!)
wait_for 20 "nginx on $NGINX_PORT" curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/accounts/login/"
say "nginx on $NGINX_PORT in front of ${APP_PORTS[*]}"

# --- 5. the checks --------------------------------------------------------------------------------
say "checks"
app_urls=()
for port in "${APP_PORTS[@]}"; do app_urls+=(--app "http://127.0.0.1:$port"); done
timeout 240 "$BIN/python" deploy/smoke_checks.py --nginx "http://127.0.0.1:$NGINX_PORT" "${app_urls[@]}" \
  --static-root "$WORK/static" --replica-log "$WORK/replica.log" \
  --primary "postgres://root@127.0.0.1:$PRIMARY_PORT/$DB" --replica "postgres://root@127.0.0.1:$REPLICA_PORT/$DB"
