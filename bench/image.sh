#!/usr/bin/env bash
# Benchmarks `orbit image build` and `orbit image id` on a ~200 MB Debian minbase rootfs
# against the equivalent tar/gzip/zstd/sha512sum pipelines, run side by side.
#
#   bench/image.sh                 uses $ORBIT, else build/src/orbit/orbit (use a release build)
#   N=9 bench/image.sh             runs per measurement (default 5, after one warm-up run)
#   NO_HYPERFINE=1 bench/image.sh  time with the built-in loop even if hyperfine is installed
#
# The rootfs is made once with debootstrap (needs root and network) and cached in
# bench/work/ (git-ignored); outputs go to bench/work/out/. Timings are median wall-clock
# seconds, from hyperfine when installed, else from the script's own loop.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
orbit=${ORBIT:-$repo/build/src/orbit/orbit}
runs=${N:-5}
work=$here/work
layout=$work/layout
out=$work/out
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}

have_hyperfine() { [[ ${NO_HYPERFINE:-0} != 1 ]] && command -v hyperfine >/dev/null; }
die() { echo "image.sh: $*" >&2; exit 1; }

[[ -x $orbit ]] || die "orbit binary not found at $orbit (set ORBIT=...)"
"$orbit" image id --help >/dev/null 2>&1 || die "$orbit image id --help failed"
for t in tar gzip zstd sha512sum; do command -v "$t" >/dev/null || die "$t is not installed"; done

# appc arch label for this host (spec/types.md, "arch" label values).
appc_arch() {
    case $(uname -m) in
    x86_64) echo amd64 ;;
    i?86) echo i386 ;;
    *) uname -m ;; # aarch64, armv7l, ppc64le, s390x are spelled as uname prints them
    esac
}

make_rootfs() {
    [[ -f $layout/rootfs/etc/debian_version ]] && return
    ((EUID == 0)) || die "making the rootfs needs root (debootstrap)"
    command -v debootstrap >/dev/null || die "install debootstrap (apt-get install -y debootstrap)"
    mkdir -p "$layout"
    rm -rf "$layout/rootfs.tmp"
    echo "making $suite minbase rootfs with debootstrap (once; cached in $layout)..." >&2
    debootstrap --variant=minbase "$suite" "$layout/rootfs.tmp" "$mirror" \
        >"$work/debootstrap.log" 2>&1 || die "debootstrap failed, see $work/debootstrap.log"
    mv "$layout/rootfs.tmp" "$layout/rootfs"
}

# Rewritten only when it changes, so reruns build byte-identical images.
write_manifest() {
    local labels m
    labels="[{\"name\":\"os\",\"value\":\"linux\"},{\"name\":\"arch\",\"value\":\"$(appc_arch)\"}]"
    m="{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
    m+="\"name\":\"example.com/bench\",\"labels\":$labels}"
    [[ -f $layout/manifest && $(cat "$layout/manifest") == "$m" ]] || echo "$m" >"$layout/manifest"
}

# median_seconds NAME CMD: median wall time of CMD (a shell string) over $runs runs.
median_seconds() {
    local name=$1 cmd=$2 cache
    cache=$out/t_$(printf '%s' "$cmd" | md5sum | cut -c1-16)
    [[ -f $cache ]] || measure "$name" "$cmd" >"$cache"
    cat "$cache"
}

measure() {
    local name=$1 cmd=$2
    if have_hyperfine; then
        hyperfine --style none --warmup 1 --runs "$runs" --export-json "$out/$name.json" \
            "$cmd" >/dev/null 2>&1 || die "failed: $cmd"
        jq -r '.results[0].median' "$out/$name.json" 2>/dev/null || python3 -c \
            'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' \
            "$out/$name.json"
        return
    fi
    bash -c "$cmd" >/dev/null || die "failed: $cmd" # warm-up: page cache, binaries
    local i t0 t1
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s.%N)
        bash -c "$cmd" >/dev/null
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
    done | sort -g | awk '{ v[NR] = $1 }
        END { m = int((NR + 1) / 2); printf "%.6f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'
}

rows=()
failures=0

# compare LABEL ORBIT_CMD PEER_CMD TARGET: times both, records ratio orbit/peer and verdict.
compare() {
    local label=$1 ocmd=$2 pcmd=$3 target=$4 key
    key=$(echo "$label" | tr -c 'a-zA-Z0-9\n' '_')
    local o p ratio verdict
    o=$(median_seconds "orbit_$key" "$ocmd")
    p=$(median_seconds "peer_$key" "$pcmd")
    ratio=$(awk -v o="$o" -v p="$p" 'BEGIN { printf "%.3f", o / p }')
    if [[ $target == - ]]; then
        verdict=info
    elif awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r <= t) }'; then
        verdict=ok
    else
        verdict=over
        failures=$((failures + 1))
    fi
    rows+=("$(printf '%-40s %9.3f %9.3f %7s %7s  %s' \
        "$label" "$o" "$p" "$ratio" "$target" "$verdict")")
    printf '  %-40s orbit %8.3fs  peer %8.3fs  ratio %s\n' "$label" "$o" "$p" "$ratio" >&2
}

print_machine() {
    echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    echo "cpu:      $cpu, nproc $(nproc)"
    echo "kernel:   $(uname -sr)"
    echo "orbit:    $("$orbit" --version 2>/dev/null | head -n1) ($orbit)"
    echo "tools:    $(tar --version | head -n1);" \
        "gzip $(gzip --version | awk 'NR == 1 {print $2}');" \
        "zstd $(zstd --version | grep -o 'v[0-9.]*'); $(sha512sum --version | head -n1)"
    local timer="shell loop"
    have_hyperfine && timer=$(hyperfine --version)
    echo "timing:   $timer, median of $runs runs after 1 warm-up"
    echo "rootfs:   $(du -sh "$layout/rootfs" | cut -f1) on disk," \
        "$(find "$layout/rootfs" | wc -l) entries, tar" \
        "$(tar -C "$layout" -cf - manifest rootfs | wc -c | awk '{printf "%.1f MB", $1 / 1e6}')"
}

check_ids() {
    local want got
    want="sha512-$(gzip -dc "$out/orbit.gz.aci" | sha512sum | cut -c1-128)"
    got=$("$orbit" image id "$out/orbit.gz.aci")
    [[ $got == "$want" ]] || die "orbit image id says $got, sha512sum of the tar says $want"
    got=$("$orbit" image id "$out/orbit.tar.aci")
    want="sha512-$(sha512sum "$out/orbit.tar.aci" | cut -c1-128)"
    [[ $got == "$want" ]] || die "orbit image id (tar) says $got, sha512sum says $want"
}

main() {
    make_rootfs
    write_manifest
    rm -rf "$out"
    mkdir -p "$out"
    # the commands are shell strings: quote the paths in them
    local L O B
    L=$(printf %q "$layout") O=$(printf %q "$out") B=$(printf %q "$orbit")

    print_machine
    echo >&2
    echo "measuring (N=$runs)..." >&2
    compare "build gzip  vs tar|gzip -6" \
        "$B image build --compression=gzip --overwrite $L $O/orbit.gz.aci" \
        "tar -C $L -cf - manifest rootfs | gzip -6 > $O/peer.tar.gz" 1.1
    compare "build zstd  vs tar|gzip -6" \
        "$B image build --compression=zstd --overwrite $L $O/orbit.zst.aci" \
        "tar -C $L -cf - manifest rootfs | gzip -6 > $O/peer.tar.gz" 1.0
    compare "build zstd  vs tar|zstd" \
        "$B image build --compression=zstd --overwrite $L $O/orbit.zst.aci" \
        "tar -C $L -cf - manifest rootfs | zstd -q -3 > $O/peer.tar.zst" -
    compare "build none  vs tar -c" \
        "$B image build --compression=none --overwrite $L $O/orbit.tar.aci" \
        "tar -C $L -cf - manifest rootfs > $O/peer.tar" -
    check_ids
    compare "id gzip ACI vs gzip -dc|sha512sum" \
        "$B image id $O/orbit.gz.aci" "gzip -dc $O/orbit.gz.aci | sha512sum" 1.1
    compare "id tar ACI  vs sha512sum" \
        "$B image id $O/orbit.tar.aci" "sha512sum $O/orbit.tar.aci" 1.1
    compare "id zstd ACI vs zstd -dc|sha512sum" \
        "$B image id $O/orbit.zst.aci" "zstd -q -dc $O/orbit.zst.aci | sha512sum" -

    echo
    printf '%-40s %9s %9s %7s %7s  %s\n' operation "orbit s" "peer s" ratio target verdict
    printf '%s\n' "${rows[@]}"
    echo
    cd "$out"
    echo "sizes:    orbit gzip $(stat -c %s orbit.gz.aci), tar|gzip -6 $(stat -c %s peer.tar.gz);" \
        "orbit zstd $(stat -c %s orbit.zst.aci), tar|zstd -3 $(stat -c %s peer.tar.zst);" \
        "orbit tar $(stat -c %s orbit.tar.aci), tar $(stat -c %s peer.tar) bytes"
    echo "targets over: $failures"
    ((failures == 0))
}

main "$@"
