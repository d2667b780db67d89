#!/usr/bin/env bash
# Starts VanguardHub on its embedded default (a SQLite file under Dashboard/data) and prints its address.
# The wall's front-end packages come from npm at build time: Node.js and npm are installed first when missing.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing Node.js and npm (needed to build the wall's scripts) ..."
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
fi
exec dotnet run --project Dashboard -- "$@"
