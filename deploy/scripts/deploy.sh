#!/usr/bin/env bash
# deploy/scripts/deploy.sh systemd|compose|k8s: validates (and with APPLY=1 installs) one way to run Fleet.
# Used by `make deploy-systemd`, `make deploy-compose`, `make deploy-k8s`. Needs `npx tsc -b` done.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:?usage: deploy.sh systemd|compose|k8s}
node "$here/scripts/validate.js" "$kind"
case "$kind" in
  systemd)
    if command -v systemd-analyze >/dev/null; then
      tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
      cp "$here"/systemd/*.service "$here"/systemd/*.timer "$here"/systemd/*.mount "$tmp"/
      cp "$tmp/fleet-worker@.service" "$tmp/fleet-worker@instance-1.service"
      (cd "$tmp" && systemd-analyze verify --man=no ./*.service ./*.timer ./*.mount)
      echo "systemd units verified (systemd-analyze verify)"
    else
      echo "systemd-analyze not found: units checked for syntax only" >&2
    fi
    if [ "${APPLY:-0}" = 1 ]; then
      install -m 0644 "$here"/systemd/*.service "$here"/systemd/*.timer "$here"/systemd/*.mount /etc/systemd/system/
      systemctl daemon-reload
      echo "installed; next: systemctl enable --now 'mnt-whatsapp\\x2dsessions.mount' fleet-ingress fleet-worker@instance-1 fleet-health.timer"
    else
      echo "APPLY=1 installs them into /etc/systemd/system (root)"
    fi
    ;;
  compose)
    if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
      FLEET_API_KEYS=${FLEET_API_KEYS:-validate-only-key-0123456789} FLEET_MEDIA_SIGNING_SECRET=${FLEET_MEDIA_SIGNING_SECRET:-validate-only-media-secret-0123456789abcdef} FLEET_SESSION_SECRETS_KEY=${FLEET_SESSION_SECRETS_KEY:-0000000000000000000000000000000000000000000000000000000000000000} docker compose -f "$here/docker-compose.yml" config --quiet
      [ "${APPLY:-0}" = 1 ] && docker compose -f "$here/docker-compose.yml" up -d --build
    else
      echo "no Docker engine here: docker-compose.yml validated as YAML and cross-checked only" >&2
    fi
    ;;
  k8s)
    if command -v kubectl >/dev/null && kubectl cluster-info --request-timeout=5s >/dev/null 2>&1; then
      if [ "${APPLY:-0}" = 1 ]; then kubectl apply -f "$here/k8s"; else kubectl apply --dry-run=server -f "$here/k8s"; fi
    else
      echo "no reachable Kubernetes cluster (kubectl): manifests validated as YAML and cross-checked only" >&2
    fi
    ;;
  *) echo "unknown: $kind" >&2; exit 2 ;;
esac
