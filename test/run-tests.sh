#!/usr/bin/env bash
# Runs one tier of tests (unit | integration | e2e | all) with node's test runner.
# unit: no I/O. integration: real MariaDB/PostgreSQL/Redis/Kafka. e2e: real Debezium capturing real
# databases (needs `npm run stack:up` and the local connectors; `npm run test:all` does both).
set -euo pipefail
cd "$(dirname "$0")/.."
tier="${1:-all}"
case "$tier" in
  unit | integration | e2e) dirs=("test/$tier") ;;
  all) dirs=(test/unit test/integration test/e2e) ;;
  *) echo "usage: test/run-tests.sh unit|integration|e2e|all" >&2; exit 2 ;;
esac
shopt -s nullglob
files=()
for d in "${dirs[@]}"; do files+=("$d"/*.test.ts); done
if [ "${#files[@]}" -eq 0 ]; then echo "no test files under ${dirs[*]}" >&2; exit 1; fi
# The CLI tests run the built CLI, as users do.
[ "$tier" = unit ] || npm run -s build
# One file at a time: the e2e files share the local stack's connectors and topics.
# The output is also kept in DBTWIN_TEST_LOG (when set), so .ci/run can repeat the failures last.
if [ -n "${DBTWIN_TEST_LOG:-}" ]; then
  mkdir -p "$(dirname "$DBTWIN_TEST_LOG")"
  set -o pipefail
  node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}" 2>&1 | tee -a "$DBTWIN_TEST_LOG"
else
  exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
fi
