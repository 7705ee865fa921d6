#!/usr/bin/env bash
# vigie-yara / vigie-ioc test setup: real benign web applications from Debian,
# scanned by the "no medium+ finding on benign code" tests
# (crates/vigie-yara/tests/benign.rs). Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(roundcube-core phpmyadmin wordpress dokuwiki adminer asp.net-examples tomcat10-examples)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  # Packages only: no database or web server is configured or started.
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
fi
