#!/usr/bin/env bash
# The README's two quickstart commands, from a fresh clone on a fresh machine:
#   npm run demo       dbtwin live on the local stack
#   npm run test:all   every test tier against the real stack
# Each installs dependencies when needed, builds, brings the local stack up (idempotent) and registers
# the local Debezium connectors before it does its part.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
mode="${1:-}"
shift || true

step() { printf '\n== %s\n' "$*"; }

# Install only when the lock file changed since the last install: a warm run takes seconds.
# `npm install` with the committed lock file installs exactly the locked versions. Not `npm ci`: the
# registry these machines reach lacks the other platforms' optional native packages (darwin/win32
# builds of msgpackr-extract), so the lock cannot list them and `npm ci` refuses it as out of sync.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing dependencies (npm install from package-lock.json)"
  npm install --no-audit --no-fund
fi
step "building (tsc)"
npm run -s build
step "local stack (compose/local/stack.sh up)"
bash compose/local/stack.sh up
step "Debezium connectors (dbtwin connectors apply compose/connectors/local)"
node dist/cli/dbtwin.js connectors apply compose/connectors/local

case "$mode" in
  demo)
    step "demo (dbtwin demo)"
    exec node dist/cli/dbtwin.js demo "$@"
    ;;
  test)
    # The dashboard test drives Debian's Chromium headless; install it once when it is missing
    # (root, or sudo without a password). Without it that test is skipped and says why.
    if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
      step "installing Chromium for the dashboard test (apt-get install chromium)"
      if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || echo "chromium not installed: the dashboard test will be skipped"
      elif sudo -n true 2>/dev/null; then
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || echo "chromium not installed: the dashboard test will be skipped"
      fi
    fi
    step "tests: unit, integration, end-to-end"
    exec bash test/run-tests.sh all
    ;;
  *)
    echo "usage: compose/local/quickstart.sh demo|test" >&2
    exit 2
    ;;
esac
