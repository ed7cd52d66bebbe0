#!/usr/bin/env bash
# dbtwin's local stack without Docker: Kafka 3.9.1 (KRaft) and Kafka Connect 3.9.1 with Debezium 3.2
# plugins, run from Maven Central jars, beside the machine's own MariaDB, PostgreSQL and Redis.
#
#   stack.sh up       fetch once (cached), configure MariaDB/PostgreSQL for Debezium, start what is down
#   stack.sh down     stop Kafka Connect and Kafka (the machine's databases and Redis stay up)
#   stack.sh status   each component with its address and state; exit 1 if any is down
#   stack.sh restart-connect   a fresh Kafka Connect worker (see cmd_restart_connect)
#
# Idempotent: a second `up` changes nothing and says so. Every failure names the component, the
# cause and the log to read; every wait is bounded.
#
# Environment (all optional):
#   DBTWIN_STACK_DIR       state folder (default <repo>/.stack: data/, logs/, run/; git-ignored)
#   DBTWIN_STACK_CACHE     download cache (default $DBTWIN_STACK_DIR/cache); share it between clones
#   DBTWIN_KAFKA_PORT, DBTWIN_CONTROLLER_PORT, DBTWIN_CONNECT_PORT   (defaults 9092, 9093, 8083)
#   DBTWIN_MAVEN_SETTINGS  a Maven settings.xml to use (a mirror, a proxy)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/compose/local"
STACK_DIR="${DBTWIN_STACK_DIR:-$ROOT/.stack}"
CACHE="${DBTWIN_STACK_CACHE:-$STACK_DIR/cache}"
DATA="$STACK_DIR/data"
LOGS="$STACK_DIR/logs"
RUN="$STACK_DIR/run"

KAFKA_VERSION=3.9.1
# 3.2.0.Final is the 3.2 release whose five plugin archives Maven Central serves here in full.
DEBEZIUM_VERSION=3.2.0.Final
DEBEZIUM_PLUGINS=(mariadb mysql postgres oracle jdbc)
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
PLUGIN_DIR="$CACHE/debezium-$DEBEZIUM_VERSION/plugins"
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# Bounded Maven network waits, so an unreachable registry fails in minutes, not never.
MVN_OPTS=(-B -q -Daether.connector.connectTimeout=20000 -Daether.connector.requestTimeout=120000 -Dmaven.wagon.http.retryHandler.count=2)
[ -n "${DBTWIN_MAVEN_SETTINGS:-}" ] && MVN_OPTS+=(-s "$DBTWIN_MAVEN_SETTINGS")

KAFKA_PORT="${DBTWIN_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${DBTWIN_CONTROLLER_PORT:-9093}"
CONNECT_PORT="${DBTWIN_CONNECT_PORT:-8083}"

changes=()

say() { printf '%s\n' "$*"; }
ok() { printf '  %-16s %s\n' "$1" "$2"; }
changed() {
  changes+=("$1: $2")
  printf '  %-16s %s\n' "$1" "$2"
}
# fail <component> <cause> [log]: the one way this script gives up.
fail() {
  printf '\nstack: %s failed: %s\n' "$1" "$2" >&2
  if [ -n "${3:-}" ]; then
    printf '  log: %s\n' "$3" >&2
    if [ -f "$3" ]; then
      printf '  last lines:\n' >&2
      tail -n 15 "$3" | sed 's/^/    /' >&2
    fi
  fi
  exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Which process listens on a port, for "port taken" messages.
port_owner() { ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/\1 pid \2/p' | head -n 1; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for <seconds> <command...>: true once the command succeeds, false at the deadline.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 1
  done
}

need_tools() {
  local missing=()
  for t in java mvn curl ss tar; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  [ "${#missing[@]}" -eq 0 ] || fail "prerequisites" "missing commands: ${missing[*]} (install Java 17, Maven, curl, iproute2)"
  local major
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  [ "${major:-0}" -ge 17 ] || fail "prerequisites" "Java 17 or newer is needed (found: ${major:-none})"
}

# ---------------------------------------------------------------- downloads (cached)

fetch_kafka() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then
    ok "kafka jars" "cached ($KAFKA_LIBS)"
    return
  fi
  local log="$LOGS/fetch-kafka.log"
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_LIBS"
  if ! timeout 900 mvn "${MVN_OPTS[@]}" -f "$HERE/kafka-pom.xml" "$MVN_DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >"$log" 2>&1; then
    fail "maven fetch (Kafka $KAFKA_VERSION jars)" "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION and its dependencies (Maven Central unreachable?)" "$log"
  fi
  [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] || fail "maven fetch (Kafka jars)" "kafka_2.13-$KAFKA_VERSION.jar missing after fetch" "$log"
  touch "$KAFKA_LIBS/.complete"
  changed "kafka jars" "fetched $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars into $KAFKA_LIBS"
}

fetch_debezium() {
  local downloads="$CACHE/downloads" name log archive fetched=0
  mkdir -p "$downloads" "$PLUGIN_DIR"
  for name in "${DEBEZIUM_PLUGINS[@]}"; do
    if [ -f "$PLUGIN_DIR/debezium-connector-$name/.complete" ]; then continue; fi
    archive="$downloads/debezium-connector-$name-$DEBEZIUM_VERSION-plugin.tar.gz"
    log="$LOGS/fetch-debezium-$name.log"
    if [ ! -s "$archive" ]; then
      if ! timeout 900 mvn "${MVN_OPTS[@]}" "$MVN_DEP_PLUGIN:copy" \
        -Dartifact="io.debezium:debezium-connector-$name:$DEBEZIUM_VERSION:tar.gz:plugin" \
        -DoutputDirectory="$downloads" >"$log" 2>&1; then
        rm -f "$archive"
        fail "maven fetch (Debezium $name plugin)" "Maven could not fetch io.debezium:debezium-connector-$name:$DEBEZIUM_VERSION:tar.gz:plugin (Maven Central unreachable?)" "$log"
      fi
    fi
    rm -rf "$PLUGIN_DIR/debezium-connector-$name"
    tar -xzf "$archive" -C "$PLUGIN_DIR" >>"$log" 2>&1 || fail "debezium $name plugin" "cannot unpack $archive" "$log"
    touch "$PLUGIN_DIR/debezium-connector-$name/.complete"
    changed "debezium $name" "plugin $DEBEZIUM_VERSION unpacked"
    fetched=1
  done
  [ "$fetched" -eq 1 ] && return
  ok "debezium plugins" "cached ${DEBEZIUM_PLUGINS[*]} $DEBEZIUM_VERSION"
}

# ---------------------------------------------------------------- machine services

mariadb_sql() { mariadb -uroot -h127.0.0.1 -P3306 --protocol=TCP -N -B -e "$1" 2>&1; }

mariadb_up() { mariadb-admin -uroot -h127.0.0.1 --protocol=TCP ping >/dev/null 2>&1; }

mariadb_start() {
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1
  wait_for 60 mariadb_up || fail "mariadb" "the server did not come up within 60 s" "/var/log/mysql/error.log"
}

mariadb_configured() {
  [ "$(mariadb_sql "SELECT @@log_bin = 1 AND @@binlog_format = 'ROW' AND @@binlog_row_image = 'FULL' AND @@binlog_annotate_row_events = 1 AND @@server_id > 0")" = "1" ]
}

ensure_mariadb() {
  if ! mariadb_up; then
    mariadb_start
    changed "mariadb" "started"
  fi
  if ! mariadb_configured; then
    local conf_dir=/etc/mysql/conf.d
    mkdir -p "$conf_dir" || fail "mariadb" "cannot create $conf_dir (run as root)"
    cp "$HERE/mariadb-debezium.cnf" "$conf_dir/dbtwin-debezium.cnf" || fail "mariadb" "cannot write $conf_dir/dbtwin-debezium.cnf"
    # Debian's stock my.cnf includes conf.d; the slim one on these machines does not.
    if ! grep -Eq '^!includedir[[:space:]]+/etc/mysql/conf.d' /etc/mysql/my.cnf; then
      printf '\n!includedir /etc/mysql/conf.d/\n' >>/etc/mysql/my.cnf
    fi
    mariadb-admin -uroot -h127.0.0.1 --protocol=TCP shutdown >/dev/null 2>&1
    wait_for 60 bash -c '! pgrep -x mariadbd >/dev/null' || fail "mariadb" "the server did not stop within 60 s" "/var/log/mysql/error.log"
    mariadb_start
    mariadb_configured || fail "mariadb" "restarted, but the binlog is still not ROW/FULL (is /etc/mysql/conf.d read?)" "/var/log/mysql/error.log"
    changed "mariadb" "binlog ROW/FULL enabled (/etc/mysql/conf.d/dbtwin-debezium.cnf), restarted"
  fi
  # Users and database the connector and the tests use; all statements are idempotent.
  local out
  out="$(mariadb_sql "
    CREATE DATABASE IF NOT EXISTS dbtwin;
    CREATE DATABASE IF NOT EXISTS dbtwin_scratch;
    CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY 'dbz';
    CREATE USER IF NOT EXISTS 'debezium'@'localhost' IDENTIFIED BY 'dbz';
    GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR, LOCK TABLES ON *.* TO 'debezium'@'%', 'debezium'@'localhost';
    CREATE USER IF NOT EXISTS 'dbtwin'@'%' IDENTIFIED BY 'dbtwin';
    CREATE USER IF NOT EXISTS 'dbtwin'@'localhost' IDENTIFIED BY 'dbtwin';
    GRANT ALL PRIVILEGES ON dbtwin.* TO 'dbtwin'@'%', 'dbtwin'@'localhost';
    GRANT ALL PRIVILEGES ON dbtwin_scratch.* TO 'dbtwin'@'%', 'dbtwin'@'localhost';
    GRANT SELECT ON *.* TO 'dbtwin'@'%', 'dbtwin'@'localhost';
    -- capture.exclusion: gtid-domain: apply sessions run SET SESSION gtid_domain_id, which MariaDB
    -- 10.5.2+ allows with BINLOG REPLAY (or SUPER); the narrowest privilege that does.
    GRANT BINLOG REPLAY ON *.* TO 'dbtwin'@'%', 'dbtwin'@'localhost';")" || fail "mariadb" "cannot create the dbtwin database and users: $out" "/var/log/mysql/error.log"
  ok "mariadb" "127.0.0.1:3306 up, binlog ROW/FULL, databases dbtwin (captured), dbtwin_scratch"
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }
pg_sql() { psql -h 127.0.0.1 -p 5432 -U postgres -d "${2:-postgres}" -Atqc "$1" 2>&1; }
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

ensure_postgres() {
  local ver log
  ver="$(pg_version)"
  [ -n "$ver" ] || fail "postgresql" "no cluster under /etc/postgresql (is PostgreSQL installed?)"
  log="/var/log/postgresql/postgresql-$ver-main.log"
  if ! pg_up; then
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start >/dev/null 2>&1
    wait_for 60 pg_up || fail "postgresql" "the cluster $ver/main did not come up within 60 s" "$log"
    changed "postgresql" "started"
  fi
  if [ "$(pg_sql 'SHOW wal_level')" != "logical" ] || [ "$(pg_sql 'SHOW max_replication_slots')" -lt 20 ]; then
    cp "$HERE/postgresql-debezium.conf" "/etc/postgresql/$ver/main/conf.d/95-dbtwin-debezium.conf" ||
      fail "postgresql" "cannot write /etc/postgresql/$ver/main/conf.d/95-dbtwin-debezium.conf"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main restart >/dev/null 2>&1 || fail "postgresql" "restart of $ver/main failed" "$log"
    wait_for 60 pg_up || fail "postgresql" "the cluster did not come back within 60 s after the restart" "$log"
    [ "$(pg_sql 'SHOW wal_level')" = "logical" ] || fail "postgresql" "restarted, but wal_level is still not logical" "$log"
    changed "postgresql" "wal_level=logical, 20 replication slots (conf.d/95-dbtwin-debezium.conf), restarted"
  fi
  # dbtwin: captured by the local Debezium source; dbtwin_scratch: engine tests that need no capture.
  for db in dbtwin dbtwin_scratch; do
    if [ "$(pg_sql "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
      pg_sql "CREATE DATABASE $db" >/dev/null || fail "postgresql" "cannot create database $db" "$log"
      changed "postgresql" "database $db created"
    fi
  done
  ok "postgresql" "127.0.0.1:5432 up, wal_level logical, databases dbtwin, dbtwin_scratch"
}

ensure_redis() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1
    wait_for 20 redis-cli -h 127.0.0.1 -p 6379 ping || fail "redis" "redis-server did not answer PING within 20 s" "/var/log/redis/ci.log"
    changed "redis" "started"
  fi
  ok "redis" "127.0.0.1:6379 up"
}

# ---------------------------------------------------------------- Kafka and Kafka Connect

render() {
  sed -e "s#@DATA_DIR@#$DATA#g" -e "s#@PLUGIN_DIR@#$PLUGIN_DIR#g" -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" \
    -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" -e "s#@CONNECT_PORT@#$CONNECT_PORT#g" "$1" >"$2"
}

# start_java <component> <pidfile> <log> <heap> <main class> <args...>
start_java() {
  local component=$1 pidfile=$2 log=$3 heap=$4
  shift 4
  # setsid: the JVM outlives this script and is not hit by the caller's Ctrl-C.
  setsid nohup java "-Xmx$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HERE/log4j.properties" -cp "$KAFKA_LIBS/*" "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  say "  $component starting (pid $(cat "$pidfile"), log $log)"
}

kafka_listening_or_dead() { port_open $KAFKA_PORT || ! pid_alive "$1"; }

ensure_kafka() {
  local pidfile="$RUN/kafka.pid" log="$LOGS/kafka.log"
  if pid_alive "$pidfile" && port_open $KAFKA_PORT; then
    ok "kafka" "127.0.0.1:$KAFKA_PORT up (pid $(cat "$pidfile"))"
    return
  fi
  for p in $KAFKA_PORT $CONTROLLER_PORT; do
    if port_open "$p"; then
      fail "kafka" "port $p is taken by $(port_owner "$p" || echo 'another process') — stop it, or stop the other stack with its own 'stack.sh down'" "$log"
    fi
  done
  mkdir -p "$DATA/kafka"
  render "$HERE/kafka-server.properties" "$RUN/kafka-server.properties"
  if [ ! -f "$DATA/kafka/meta.properties" ]; then
    local id
    id="$(java -cp "$KAFKA_LIBS/*" -Dlog4j.configuration="file:$HERE/log4j.properties" kafka.tools.StorageTool random-uuid 2>>"$log" | tail -n 1)"
    java -cp "$KAFKA_LIBS/*" -Dlog4j.configuration="file:$HERE/log4j.properties" kafka.tools.StorageTool format \
      -t "$id" -c "$RUN/kafka-server.properties" >>"$log" 2>&1 || fail "kafka" "formatting the KRaft storage in $DATA/kafka failed" "$log"
    changed "kafka" "storage formatted (cluster id $id)"
  fi
  start_java "kafka" "$pidfile" "$log" 768m kafka.Kafka "$RUN/kafka-server.properties"
  # Stops waiting early when the JVM dies, so a bad start fails at once instead of after the timeout.
  if ! wait_for 90 kafka_listening_or_dead "$pidfile"; then
    fail "kafka" "the broker did not open 127.0.0.1:$KAFKA_PORT within 90 s" "$log"
  fi
  pid_alive "$pidfile" || fail "kafka" "the broker exited during start-up" "$log"
  changed "kafka" "started on 127.0.0.1:$KAFKA_PORT"
}

connect_plugins() { curl -sf --max-time 5 "http://127.0.0.1:$CONNECT_PORT/connector-plugins" 2>/dev/null; }

ensure_connect() {
  local pidfile="$RUN/connect.pid" log="$LOGS/connect.log"
  if pid_alive "$pidfile" && connect_plugins >/dev/null; then
    ok "kafka connect" "127.0.0.1:$CONNECT_PORT up (pid $(cat "$pidfile"))"
    return
  fi
  if port_open $CONNECT_PORT; then
    fail "kafka connect" "port $CONNECT_PORT is taken by $(port_owner $CONNECT_PORT || echo 'another process')" "$log"
  fi
  render "$HERE/connect-distributed.properties" "$RUN/connect-distributed.properties"
  start_java "kafka connect" "$pidfile" "$log" 1g org.apache.kafka.connect.cli.ConnectDistributed "$RUN/connect-distributed.properties"
  local deadline=$((SECONDS + 180))
  until connect_plugins | grep -q 'io.debezium'; do
    pid_alive "$pidfile" || fail "kafka connect" "the worker exited during start-up" "$log"
    [ "$SECONDS" -ge "$deadline" ] && fail "kafka connect" "REST API on 127.0.0.1:$CONNECT_PORT did not list the Debezium plugins within 180 s" "$log"
    sleep 2
  done
  changed "kafka connect" "started on 127.0.0.1:$CONNECT_PORT"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  need_tools
  mkdir -p "$CACHE" "$DATA" "$LOGS" "$RUN" || fail "stack folder" "cannot create $STACK_DIR"
  say "dbtwin local stack: up ($STACK_DIR)"
  fetch_kafka
  fetch_debezium
  ensure_mariadb
  ensure_postgres
  ensure_redis
  ensure_kafka
  ensure_connect
  if [ "${#changes[@]}" -eq 0 ]; then
    say "stack: everything was already up; nothing changed."
  else
    say "stack: up (${#changes[@]} change(s))."
  fi
  say "next: 'npx dbtwin connectors apply compose/connectors/local' registers the Debezium sources."
}

stop_pid() {
  local component=$1 pidfile=$2
  if ! pid_alive "$pidfile"; then
    ok "$component" "not running"
    rm -f "$pidfile"
    return
  fi
  local pid
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null
  if ! wait_for 45 bash -c "! kill -0 $pid 2>/dev/null"; then
    kill -KILL "$pid" 2>/dev/null
    ok "$component" "did not stop within 45 s; killed (pid $pid)"
  else
    ok "$component" "stopped (pid $pid)"
  fi
  rm -f "$pidfile"
}

cmd_down() {
  say "dbtwin local stack: down"
  stop_pid "kafka connect" "$RUN/connect.pid"
  stop_pid "kafka" "$RUN/kafka.pid"
  say "stack: MariaDB, PostgreSQL and Redis are the machine's services and stay up."
}

cmd_status() {
  local bad=0 state
  say "dbtwin local stack: status ($STACK_DIR)"
  if port_open $KAFKA_PORT; then
    state="up"
    pid_alive "$RUN/kafka.pid" && state="up (pid $(cat "$RUN/kafka.pid"), log $LOGS/kafka.log)" || state="up (not started by this stack: $(port_owner $KAFKA_PORT))"
  else
    state="DOWN (log $LOGS/kafka.log)"
    bad=1
  fi
  printf '  %-14s %-16s %s\n' "kafka" "127.0.0.1:$KAFKA_PORT" "$state"

  local plugins
  if plugins="$(connect_plugins)"; then
    printf '  %-14s %-16s %s\n' "kafka connect" "127.0.0.1:$CONNECT_PORT" "up (log $LOGS/connect.log)"
    printf '%s' "$plugins" | tr '{' '\n' | sed -n 's/.*"class":"\([^"]*\)","type":"\([^"]*\)","version":"\([^"]*\)".*/      plugin \1 (\2 \3)/p' | grep io.debezium
  else
    printf '  %-14s %-16s %s\n' "kafka connect" "127.0.0.1:$CONNECT_PORT" "DOWN (log $LOGS/connect.log)"
    bad=1
  fi

  if mariadb_up; then
    state="$(mariadb_sql "SELECT CONCAT('up, version ', @@version, ', log_bin=', IF(@@log_bin,'ON','OFF'), ', binlog_format=', @@binlog_format, ', binlog_row_image=', @@binlog_row_image, ', server_id=', @@server_id)")"
    mariadb_configured || { state="$state (NOT ready for Debezium: run stack:up)"; bad=1; }
  else
    state="DOWN (log /var/log/mysql/error.log)"
    bad=1
  fi
  printf '  %-14s %-16s %s\n' "mariadb" "127.0.0.1:3306" "$state"

  if pg_up; then
    state="up, version $(pg_sql 'SHOW server_version'), wal_level=$(pg_sql 'SHOW wal_level'), max_replication_slots=$(pg_sql 'SHOW max_replication_slots')"
    [ "$(pg_sql 'SHOW wal_level')" = "logical" ] || { state="$state (NOT ready for Debezium: run stack:up)"; bad=1; }
  else
    state="DOWN (log /var/log/postgresql/)"
    bad=1
  fi
  printf '  %-14s %-16s %s\n' "postgresql" "127.0.0.1:5432" "$state"

  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    state="up, version $(redis-cli -h 127.0.0.1 -p 6379 info server | sed -n 's/^redis_version:\(.*\)\r$/\1/p')"
  else
    state="DOWN (log /var/log/redis/ci.log)"
    bad=1
  fi
  printf '  %-14s %-16s %s\n' "redis" "127.0.0.1:6379" "$state"
  return $bad
}

# Debezium 3.2.0 cannot restart a failed task inside a running worker ("DebeziumOpenLineageEmitter not
# initialized", DBZ-9504, fixed after 3.2); a fresh worker starts it cleanly.
cmd_restart_connect() {
  say "dbtwin local stack: restarting Kafka Connect"
  stop_pid "kafka connect" "$RUN/connect.pid"
  need_tools
  ensure_connect
}

case "${1:-}" in
  up) cmd_up ;;
  restart-connect) cmd_restart_connect ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: compose/local/stack.sh up|down|status|restart-connect" >&2
    exit 2
    ;;
esac
