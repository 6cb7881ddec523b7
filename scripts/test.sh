#!/usr/bin/env bash
# The whole test suite: system test dependencies, npm packages, type check,
# portal build and size budget, unit, integration and end-to-end tests. `npm test` and .ci/run run this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
# npm's record of what it installed, not the pinned node (macOS and arm64 get none, and would reinstall every run).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"

(cd server && tsc --noEmit -p .)
(cd portal && tsc --noEmit -p . && tsc --noEmit -p tsconfig.node.json)

# The portal as `berth serve` serves it (the e2e tests drive it in Chromium), within its size budget.
node portal/scripts/build-if-stale.ts
node portal/scripts/bundle-size.ts

cd server
node --test \
  --test-global-setup=test/fixtures/global-setup.ts \
  --test-concurrency=2 \
  --test-timeout=600000 \
  "src/**/*.test.ts" "test/docs/**/*.test.ts" "test/integration/**/*.test.ts" "test/e2e/**/*.test.ts" "test/deploy/**/*.test.ts" "test/ha/**/*.test.ts" "../portal/test/**/*.test.ts"
