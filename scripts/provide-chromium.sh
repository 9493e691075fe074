#!/usr/bin/env bash
# Provides Chromium and its WebDriver for the serving API's headless-browser test, and prints
# the two paths (browser, then driver) on stdout:
#   /usr/bin/chromium
#   /usr/bin/chromedriver
#
# Uses $CHROMIUM_BINARY / $CHROMEDRIVER_BINARY when both are set, else Debian's `chromium` and
# `chromium-driver` packages, installing them with apt-get when missing (needs root). Idempotent
# and quiet when already present: progress goes to stderr only while installing.
set -euo pipefail

log() { echo "provide-chromium: $*" >&2; }
die() {
  log "ERROR: $*"
  log "Install Chromium and its driver yourself and set CHROMIUM_BINARY and CHROMEDRIVER_BINARY,"
  log "or skip the browser test with -DskipITs."
  exit 1
}

if [ -n "${CHROMIUM_BINARY:-}" ] && [ -n "${CHROMEDRIVER_BINARY:-}" ]; then
  [ -x "$CHROMIUM_BINARY" ] || die "CHROMIUM_BINARY=$CHROMIUM_BINARY is not executable"
  [ -x "$CHROMEDRIVER_BINARY" ] || die "CHROMEDRIVER_BINARY=$CHROMEDRIVER_BINARY is not executable"
  echo "$CHROMIUM_BINARY"
  echo "$CHROMEDRIVER_BINARY"
  exit 0
fi

browser=/usr/bin/chromium
driver=/usr/bin/chromedriver

if [ ! -x "$browser" ] || [ ! -x "$driver" ]; then
  command -v apt-get >/dev/null || die "Chromium is missing and this is not a Debian-like system (no apt-get)"
  [ "$(id -u)" -eq 0 ] || die "Chromium is missing and installing it needs root (run: sudo apt-get install -y chromium chromium-driver)"
  lock=/var/lock/feature-store-provide-chromium.lock
  exec 9>"$lock"
  flock 9
  if [ ! -x "$browser" ] || [ ! -x "$driver" ]; then
    if ! apt-cache show chromium >/dev/null 2>&1 || ! apt-cache show chromium-driver >/dev/null 2>&1; then
      log "apt does not know chromium yet; running apt-get update"
      apt-get -qq update >&2 || die "apt-get update failed"
    fi
    log "installing chromium and chromium-driver with apt-get (once)"
    DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends chromium chromium-driver >&2 \
      || die "apt-get install chromium chromium-driver failed"
  fi
fi

[ -x "$browser" ] || die "$browser is still missing after the install"
[ -x "$driver" ] || die "$driver is still missing after the install"
echo "$browser"
echo "$driver"
