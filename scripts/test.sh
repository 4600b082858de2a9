#!/usr/bin/env bash
# The README's test command (`npm test`): set-up, then every test, then one plain summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The detector-training tests need Debian's python3-torch; `npm start` never does (setup-training.sh
# is idempotent: apt-get only when a package is missing).
bash scripts/setup-training.sh
echo '[test] type-checking (tsc)' >&2
npx --no-install tsc -p .
report=$(mktemp)
status=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# A closing line any CI can read, whatever the runner prints above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
rm -f "$report"
exit $status
