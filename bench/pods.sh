#!/bin/bash
# Pod start-up, supervisor memory and 100-app pods: orbit vs runc,
# systemd-nspawn and `unshare -mpuif chroot`. See bench/README.md.
#   apt-get install -y runc systemd-container hyperfine
#   ORBIT=/path/to/release/orbit [N=30] [N100=5] [APPS=100] bench/pods.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export ORBIT=${ORBIT:-$here/../build/src/orbit/orbit}
exec python3 "$here/pods.py" "$@"
