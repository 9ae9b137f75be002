#!/usr/bin/env bash
# ensure-php.sh: installs what the Laravel integration tests (docs/laravel/) need when missing:
# Debian's php-cli, Laravel's components (php-laravel-framework) and Guzzle. Fails loudly otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/ensure-debian-package.sh" php php-cli php-laravel-framework php-guzzlehttp-guzzle
for file in /usr/share/php/Illuminate/autoload.php /usr/share/php/GuzzleHttp/autoload.php; do
  if [ ! -f "$file" ]; then
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    echo "==> installing php-laravel-framework and php-guzzlehttp-guzzle (missing $file)" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq php-laravel-framework php-guzzlehttp-guzzle >&2
  fi
done
for file in /usr/share/php/Illuminate/autoload.php /usr/share/php/GuzzleHttp/autoload.php; do
  [ -f "$file" ] || { echo "ensure-php: $file is still missing after apt-get install" >&2; exit 1; }
done
command -v php >/dev/null || { echo 'ensure-php: php is not on PATH after apt-get install' >&2; exit 1; }
