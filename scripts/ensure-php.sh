#!/usr/bin/env bash
# ensure-php.sh: installs what the Laravel integration tests (docs/laravel/) need when missing:
# Debian's php-cli, Laravel's components (php-laravel-framework), Guzzle and PHP's curl extension
# (php-curl: Guzzle streams uploads only through curl). Fails loudly otherwise.
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
if ! php -r 'exit(extension_loaded("curl") ? 0 : 1);'; then
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  echo "==> installing php-curl (PHP's curl extension is missing)" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq php-curl >&2
  php -r 'exit(extension_loaded("curl") ? 0 : 1);' || { echo 'ensure-php: the curl extension is still missing after apt-get install php-curl' >&2; exit 1; }
fi
