#!/usr/bin/env bash
# Benchmarks `orbit fetch` of a signed ~90 MB gzip ACI by name (meta discovery over HTTPS)
# against the same fetch by URL and without signature checking, and against `gpg --verify`
# (see bench/README.md, "bench/discovery.sh").
#
#   sudo bench/discovery.sh              uses $ORBIT, else build/src/orbit/orbit (use a release build)
#   N=15 bench/discovery.sh              runs per measurement (default 10, after one warm-up run)
#   NO_HYPERFINE=1 bench/discovery.sh    time with the built-in loop even if hyperfine is installed
#
# Needs root: it makes a network namespace whose /etc/hosts maps example.com and
# storage.example.com to 127.0.0.1 and serves HTTPS on port 443 there. The work is done by
# bench/discovery.py, which removes the namespace, /etc/netns/NAME, the server and the gpg
# agent on exit, on failure and on SIGINT/SIGTERM/SIGHUP. The exit status is non-zero when a
# target is missed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for t in python3 gpg gpgconf openssl ip sha512sum; do
    command -v "$t" >/dev/null || { echo "discovery.sh: $t is not installed" >&2; exit 1; }
done
exec python3 "$here/discovery.py" "$@"
