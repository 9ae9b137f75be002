#!/usr/bin/env bash
# ensure-debian-package.sh COMMAND PACKAGE [apt options…]: installs PACKAGE with apt-get when
# COMMAND is not on PATH. Progress goes to stderr.
set -euo pipefail
command=$1
package=$2
shift 2
if command -v "$command" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
echo "==> installing Debian package ${package} (for ${command})" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" "$package" >&2
