#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: chromium (browser journeys),
# postgresql (the service suite runs on PostgreSQL too), nginx (the reverse proxy of deploy/nginx, whose
# headers and WebSocket pass-through tests/browser/test_reverse_proxy.py checks) and haproxy (the
# multi-replica proxy of deploy/haproxy, which tests/browser/test_failover.py runs and fails over). Needs root and apt; elsewhere it says what
# is missing and the tests that need it skip loudly (or fail when CI=true).
set -uo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
else
  echo "WARNING: missing ${missing[*]} and cannot install them (needs root and apt-get)." >&2
  echo "         Tests that need them will be skipped (they fail when CI=true)." >&2
fi
exit 0
