#!/usr/bin/env bash
# vigie-report test dependencies (idempotent, runs as root on Debian):
# - Debian's Chromium for the HTML report browser test (never a downloaded browser);
# - Node.js + npm, and the npm packages of crates/vigie-report/tests/browser:
#   playwright-core (drives /usr/bin/chromium over the DevTools protocol) and
#   @microsoft/jest-sarif, which ships the official SARIF 2.1.0 JSON schema
#   (lib/schemas/sarif-2.1.0-rtm.5.json), validated with ajv 6.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
if ((${#need[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}"
fi

dir="$here/crates/vigie-report/tests/browser"
stamp="$dir/node_modules/.vigie-lock-sha256"
want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
fi
echo "report.sh: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), node $(node --version), npm packages ready"
