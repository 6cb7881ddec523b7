#!/usr/bin/env bash
# The whole test suite: system test dependencies, npm packages, type check,
# unit, integration and end-to-end tests. `npm test` and .ci/run run this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"

(cd server && tsc --noEmit -p .)

cd server
node --test \
  --test-global-setup=test/fixtures/global-setup.ts \
  --test-concurrency=2 \
  --test-timeout=600000 \
  "src/**/*.test.ts" "test/integration/**/*.test.ts" "test/e2e/**/*.test.ts"
