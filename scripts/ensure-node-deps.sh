#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json.
# Node.js 20.19+, 22 and 24 are supported (package.json `engines`); 22 or 24 is recommended.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "Node.js 22 or 24 (20.19+ still works) and npm are required (node was not found on PATH)." >&2
  exit 1
fi
version=$(node -p 'process.versions.node')
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
  echo "Node.js 20.19 or newer is required (22 or 24 recommended), found v${version}." >&2
  exit 1
fi
case "$major" in
  20) echo "warning: Node.js 20 reached its end of life in April 2026 (the AWS SDK drops it in January 2027); use Node.js 22 or 24." >&2 ;;
  22 | 24) ;;
  *) echo "warning: Node.js v${version} is not a supported version (22 and 24; 20.19+ until Node 20 is dropped); make test-node NODE_VERSIONS=${major} runs tests under it." >&2 ;;
esac
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "==> installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
