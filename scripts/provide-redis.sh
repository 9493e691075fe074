#!/usr/bin/env bash
# Provides a Redis server >= 7.4 (HEXPIRE/HTTL) and prints the absolute path of its
# redis-server binary on stdout; redis-cli and redis-benchmark sit beside it.
#
# Order of preference:
#   1. $REDIS_SERVER, if set (must be >= 7.4, otherwise this fails);
#   2. a redis-server on PATH whose version is >= 7.4;
#   3. a build cached in $FS_CACHE_DIR/redis (default ~/.cache/feature-store/redis);
#   4. build Redis 8 from Debian's source package (trixie, then sid) into that cache.
#
# Idempotent and quiet when already done: progress goes to stderr only when building.
# Debian's source route only adds a deb-src list in a private apt directory inside the
# cache; the system's apt sources are never changed, and no binary package from a newer
# suite is ever installed.
set -euo pipefail

MIN_MAJOR=7
MIN_MINOR=4
CACHE_DIR="${FS_CACHE_DIR:-$HOME/.cache/feature-store}/redis"
SUITES=(trixie sid)

log() { echo "provide-redis: $*" >&2; }
die() {
  log "ERROR: $*"
  log "Install Redis >= ${MIN_MAJOR}.${MIN_MINOR} yourself and set REDIS_SERVER=/path/to/redis-server,"
  log "or run the whole pipeline with 'docker compose up' instead."
  exit 1
}

# Prints "major minor" of a redis-server binary, or nothing.
version_of() {
  "$1" --version 2>/dev/null | sed -n 's/.* v=\([0-9]*\)\.\([0-9]*\).*/\1 \2/p'
}

is_suitable() {
  local bin="$1" v major minor
  [ -x "$bin" ] || return 1
  v=$(version_of "$bin")
  [ -n "$v" ] || return 1
  read -r major minor <<<"$v"
  [ "$major" -gt "$MIN_MAJOR" ] || { [ "$major" -eq "$MIN_MAJOR" ] && [ "$minor" -ge "$MIN_MINOR" ]; }
}

if [ -n "${REDIS_SERVER:-}" ]; then
  is_suitable "$REDIS_SERVER" || die "REDIS_SERVER=$REDIS_SERVER is not a redis-server >= ${MIN_MAJOR}.${MIN_MINOR} ($("$REDIS_SERVER" --version 2>&1 | head -1 || true))"
  realpath "$REDIS_SERVER"
  exit 0
fi

if on_path=$(command -v redis-server 2>/dev/null) && is_suitable "$on_path"; then
  realpath "$on_path"
  exit 0
fi

if is_suitable "$CACHE_DIR/bin/redis-server"; then
  echo "$CACHE_DIR/bin/redis-server"
  exit 0
fi

# ---- build from Debian's source package ---------------------------------------------
command -v apt-get >/dev/null || die "no suitable redis-server found and this is not a Debian-like system (no apt-get) to build one from source"
command -v make >/dev/null && command -v cc >/dev/null || die "no suitable redis-server found, and building one needs make and a C compiler (apt-get install build-essential)"

system_sources=/etc/apt/sources.list.d/debian.sources
mirror=""
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ -f "$system_sources" ]; then
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$system_sources")
  k=$(awk '/^Signed-By:/ {print $2; exit}' "$system_sources")
  [ -n "$k" ] && keyring="$k"
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb" && $2 !~ /security/ {print ($2 ~ /^\[/ ? $3 : $2); exit}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mkdir -p "$CACHE_DIR"
lock="$CACHE_DIR/.build.lock"
exec 9>"$lock"
if ! flock -n 9; then
  log "another build of Redis is running; waiting for it"
  flock 9
  if is_suitable "$CACHE_DIR/bin/redis-server"; then echo "$CACHE_DIR/bin/redis-server"; exit 0; fi
fi

apt_dir="$CACHE_DIR/apt"
mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$CACHE_DIR/src"
: >"$apt_dir/sources.list"
cat >"$apt_dir/sources.list.d/redis-src.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: ${SUITES[*]}
Components: main
Signed-By: $keyring
SRC
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
          -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
          -o "Dir::State::Lists=$apt_dir/lists"
          -o "Dir::Cache::Archives=$apt_dir/archives"
          -o "Debug::NoLocking=1"
          -o "APT::Get::List-Cleanup=0"
          -o "APT::Sandbox::User=root")

log "no Redis >= ${MIN_MAJOR}.${MIN_MINOR} found; building Redis 8 from Debian's source package (about 3 minutes, once)"
apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update of the deb-src list failed (mirror $mirror)"

cd "$CACHE_DIR/src"
tarball=""
for suite in "${SUITES[@]}"; do
  rm -f redis_*.orig.tar.gz
  # The Debian diff of a suite is sometimes missing on the mirror while the upstream
  # tarball is there, so judge by the tarball, not by apt-get's exit code.
  apt-get "${apt_opts[@]}" -qq source --download-only -t "$suite" "redis/$suite" >&2 2>&1 || true
  tarball=$(ls redis_*.orig.tar.gz 2>/dev/null | head -1 || true)
  if [ -n "$tarball" ]; then log "fetched $tarball ($suite)"; break; fi
done
[ -n "$tarball" ] || die "could not fetch the Redis source package from $mirror (suites: ${SUITES[*]})"

rm -rf build && mkdir build
tar -xzf "$tarball" -C build --strip-components=1
# TLS (rediss://, managed Redis) needs OpenSSL's headers: Debian's libssl-dev. Installed
# when missing and we may (root with apt-get); without it the build is plain TCP only.
tls=no
if [ ! -f /usr/include/openssl/ssl.h ] && [ "$(id -u)" = 0 ]; then
  log "installing libssl-dev for a TLS-capable build"
  apt-get -qq install -y libssl-dev >&2 2>&1 || log "libssl-dev could not be installed; building without TLS"
fi
[ -f /usr/include/openssl/ssl.h ] && tls=yes
log "compiling $(basename "$tarball" .orig.tar.gz) with make -j$(nproc) BUILD_TLS=$tls"
make -C build -j"$(nproc)" BUILD_TLS="$tls" USE_SYSTEMD=no >"$CACHE_DIR/build.log" 2>&1 \
  || die "make failed; see $CACHE_DIR/build.log"
mkdir -p "$CACHE_DIR/bin"
cp build/src/redis-server build/src/redis-cli build/src/redis-benchmark "$CACHE_DIR/bin/"
rm -rf build
is_suitable "$CACHE_DIR/bin/redis-server" || die "the built redis-server does not report a version >= ${MIN_MAJOR}.${MIN_MINOR}"
log "built $("$CACHE_DIR/bin/redis-server" --version | head -1)"
echo "$CACHE_DIR/bin/redis-server"
