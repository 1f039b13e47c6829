#!/bin/sh
# Installs the Debian packages orbit needs to build, test and run its demo.
# Only missing packages are installed; `apt-get update` runs first unless the
# caller already did it (ORBIT_APT_UPDATED=1), as .ci/run does.
set -eu

PACKAGES="
meson ninja-build pkg-config gcc libc6-dev
libjansson-dev libarchive-dev libssl-dev libsqlite3-dev libcurl4-openssl-dev libgpgme-dev gnupg
libcmocka-dev python3-pytest
busybox-static libarchive-tools attr util-linux iproute2
zstd xz-utils bzip2 gzip openssl
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing (run as root to install them)" >&2
    exit 1
fi
if [ "${ORBIT_APT_UPDATED:-0}" != 1 ]; then
    apt-get update -q
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
