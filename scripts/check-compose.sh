#!/usr/bin/env bash
# Validates docker-compose.yml with a real Compose implementation, without a Docker engine:
# `docker compose config` when the Compose plugin is there, else Debian's docker-compose
# (installed on demand, without the engine it recommends).
set -euo pipefail
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then
  exec docker compose -f docker-compose.yml config -q
fi
if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "check-compose: installing Debian's docker-compose to validate the file" >&2
    apt-get install -y -qq --no-install-recommends docker-compose >/dev/null \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
  else
    echo "check-compose: no Compose implementation; install docker compose or docker-compose" >&2
    exit 1
  fi
fi
exec docker-compose -f docker-compose.yml config -q
