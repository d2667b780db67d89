#!/usr/bin/env bash
# Installs, from Debian's packages, what VanguardHub's tests and benchmarks need beyond the .NET SDK, when it is
# missing: Node.js and npm (the wall's front-end packages), Chromium (browser tests and the `browser` benchmark,
# driven by Playwright; no browser is downloaded), CJK fonts for its screenshots, and nginx (the cluster failover test
# puts it in front of three nodes; the test runs it itself, the service is not used). PostgreSQL is installed by
# scripts/postgres.sh when a test or benchmark first starts a server. Exits non-zero when it cannot install.
set -uo pipefail

missing=()
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# grep reads all of fc-list's output: with -q it would stop at the first match, and under pipefail the SIGPIPE that
# fc-list then gets would count the fonts as missing.
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || missing+=(fonts-noto-cjk)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing ${missing[*]} ..."
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
  || { echo "could not install ${missing[*]}" >&2; exit 1; }
