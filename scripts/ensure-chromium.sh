#!/usr/bin/env bash
# ensure-chromium.sh: installs Debian's Chromium when missing, for the console's browser tests
# (loadtest/test/console.browser.test.ts drives /usr/bin/chromium with playwright-core; no browser is
# ever downloaded by npm). Fails loudly otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/ensure-debian-package.sh" chromium chromium --no-install-recommends
[ -x /usr/bin/chromium ] || { echo 'ensure-chromium: /usr/bin/chromium is missing after apt-get install' >&2; exit 1; }
