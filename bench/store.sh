#!/usr/bin/env bash
# Benchmarks the image store: `orbit fetch` + `orbit image render --rootfs-only` of a ~90 MB
# gzip ACI (the Debian minbase tree of bench/image.sh) against `bsdtar -xf`, run side by side;
# `orbit image list` with 1,000 images in the store; and the peak RSS of `orbit fetch`.
#
#   bench/store.sh                 uses $ORBIT, else build/src/orbit/orbit (use a release build)
#   N=9 bench/store.sh             runs per measurement (default 5, after one warm-up run)
#   NO_HYPERFINE=1 bench/store.sh  time with the built-in loop even if hyperfine is installed
#   IMAGES=1000 bench/store.sh     images in the store for the `image list` measurement
#
# Needs the rootfs cached in bench/work/layout (run bench/image.sh once, as root, to make it).
# Everything else goes to bench/work/store/ (same filesystem as the layout): each fetch gets
# a fresh data directory and each extraction a fresh directory. Timings are median wall-clock
# seconds: the import rows from the script's own round-robin loop (see interleaved()), the
# `image list` rows from hyperfine when installed, else from the same kind of loop.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
orbit=${ORBIT:-$repo/build/src/orbit/orbit}
runs=${N:-5}
nimages=${IMAGES:-1000}
work=$here/work
layout=$work/layout
out=$work/store

have_hyperfine() { [[ ${NO_HYPERFINE:-0} != 1 ]] && command -v hyperfine >/dev/null; }
die() { echo "store.sh: $*" >&2; exit 1; }

[[ -x $orbit ]] || die "orbit binary not found at $orbit (set ORBIT=...)"
"$orbit" fetch --help >/dev/null 2>&1 || die "$orbit fetch --help failed"
for t in bsdtar gzip sha512sum; do command -v "$t" >/dev/null || die "$t is not installed"; done
[[ -x /usr/bin/time ]] || die "install GNU time (apt-get install -y time) for the peak RSS"
[[ -f $layout/rootfs/etc/debian_version && -f $layout/manifest ]] ||
    die "no rootfs in $layout: run bench/image.sh once (as root) to make it"

# measure NAME PREPARE CMD [RUNS]: median wall time of CMD (a shell string) over RUNS (default
# $runs) runs, each after PREPARE (untimed; "" for none). A plain command without PREPARE runs
# without a shell (hyperfine -N), which matters for commands of a few milliseconds.
measure() {
    local name=$1 prep=$2 cmd=$3 n=${4:-$runs}
    if have_hyperfine; then
        local opts=(--warmup 1)
        [[ -n $prep ]] && opts+=(--prepare "$prep")
        [[ -n $prep || $cmd == *['|&;<>']* ]] || opts=(-N --warmup 3)
        hyperfine --style none --runs "$n" "${opts[@]}" \
            --export-json "$out/$name.json" "$cmd" >/dev/null 2>&1 || die "failed: $cmd"
        jq -r '.results[0].median' "$out/$name.json" 2>/dev/null || python3 -c \
            'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' \
            "$out/$name.json"
        return
    fi
    local i t0 t1
    for ((i = 0; i <= n; i++)); do # run 0 is the warm-up
        [[ -z $prep ]] || bash -c "$prep" >/dev/null
        t0=$(date +%s.%N)
        bash -c "$cmd" >/dev/null || die "failed: $cmd"
        t1=$(date +%s.%N)
        ((i == 0)) || awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
    done | sort -g | awk '{ v[NR] = $1 }
        END { m = int((NR + 1) / 2); printf "%.6f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'
}

# interleaved: times cmds[i] after preps[i] (shell strings), one run of each in turn, $runs
# rounds after a warm-up round; sets med[i] to the median seconds. Round-robin rather than
# one command's runs after another's: the file system slows down as the runs' trees pile up
# (see fresh()), and taking turns spreads that drift over every command alike.
interleaved() {
    local i r t0 t1 times=()
    for ((r = 0; r <= runs; r++)); do
        for i in "${!cmds[@]}"; do
            [[ -z ${preps[i]} ]] || bash -c "${preps[i]}" >/dev/null || die "failed: ${preps[i]}"
            t0=$(date +%s.%N)
            bash -c "${cmds[i]}" >/dev/null || die "failed: ${cmds[i]}"
            t1=$(date +%s.%N)
            ((r == 0)) || times[i]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') "
        done
    done
    med=()
    for i in "${!cmds[@]}"; do
        echo "${names[i]}: ${times[i]}" >>"$out/times.txt"
        med[i]=$(tr ' ' '\n' <<<"${times[i]}" | grep . | sort -g | awk '{ v[NR] = $1 } END {
            m = int((NR + 1) / 2); printf "%.6f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }')
    done
}

rows=()
failures=0

# verdict VALUE TARGET: ok / over (counted) / info when TARGET is "-".
verdict() {
    if [[ $2 == - ]]; then
        echo info
    elif awk -v r="$1" -v t="$2" 'BEGIN { exit !(r <= t) }'; then
        echo ok
    else
        echo over
    fi
}

# row LABEL ORBIT_SECONDS PEER_SECONDS TARGET_RATIO
row() {
    local label=$1 o=$2 p=$3 target=$4 ratio v
    ratio=$(awk -v o="$o" -v p="$p" 'BEGIN { printf "%.3f", o / p }')
    v=$(verdict "$ratio" "$target")
    [[ $v != over ]] || failures=$((failures + 1))
    rows+=("$(printf '%-44s %9.3f %9.3f %7s %7s  %s' "$label" "$o" "$p" "$ratio" "$target" "$v")")
    printf '  %-44s orbit %8.3fs  peer %8.3fs  ratio %s\n' "$label" "$o" "$p" "$ratio" >&2
}

# row_abs LABEL ORBIT_SECONDS TARGET_SECONDS: an absolute target, no peer.
row_abs() {
    local label=$1 o=$2 target=$3 v
    v=$(verdict "$o" "$target")
    [[ $v != over ]] || failures=$((failures + 1))
    local t=-
    [[ $target == - ]] || t="${target}s"
    rows+=("$(printf '%-44s %9.4f %9s %7s %7s  %s' "$label" "$o" - - "$t" "$v")")
    printf '  %-44s orbit %8.4fs\n' "$label" "$o" >&2
}

print_machine() {
    echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    echo "cpu:      $cpu, nproc $(nproc)"
    echo "kernel:   $(uname -sr); $(df -T "$out" | awk 'NR == 2 {print $2 " on " $1}')"
    echo "orbit:    $("$orbit" version 2>/dev/null | head -n1) ($orbit)"
    echo "tools:    $(bsdtar --version); gzip $(gzip --version | awk 'NR == 1 {print $2}');" \
        "$(sha512sum --version | head -n1)"
    local timer="shell loop"
    have_hyperfine && timer=$(hyperfine --version)
    echo "timing:   import: median of $runs round-robin runs after 1 warm-up round;" \
        "image list: $timer, median of $((runs * 6)) runs"
    echo "image:    $(stat -c %s "$aci") bytes gzip ACI of $(du -sh "$layout/rootfs" | cut -f1)," \
        "$(find "$layout/rootfs" | wc -l) entries"
}

# The gzip ACI of the minbase tree, rebuilt only when missing (builds are reproducible).
make_big_aci() {
    [[ -f $aci ]] && return
    "$orbit" image build --compression=gzip "$layout" "$aci.tmp" >/dev/null
    mv "$aci.tmp" "$aci"
}

# Same file list, types, modes, owners, sizes, link targets and mtimes in both trees.
check_same_tree() {
    local a=$1 b=$2
    diff <(cd "$a" && find . -printf '%p %y %m %U:%G %s %l %TY%Tm%Td%TH%TM%TS\n' | sort) \
        <(cd "$b" && find . -printf '%p %y %m %U:%G %s %l %TY%Tm%Td%TH%TM%TS\n' | sort) \
        >"$out/tree.diff" || die "render and bsdtar trees differ, see $out/tree.diff"
    # diff cannot compare device nodes; their type, mode and owner were compared above
    if diff -r --no-dereference "$a" "$b" | grep -v ' is a character special file$' >&2; then
        die "render and bsdtar file contents differ"
    fi
}

# fresh DIR...: a shell string that moves each DIR (quoted) out of the way into the graveyard,
# then flushes dirty pages, so that every run writes into a new directory on a clean cache.
# Deleting instead would slow the next run's file creation: ext4 without a journal (like
# this machine's) skips inodes freed in the last 30 s (dirty_expire) when allocating, and
# that scan took most of bsdtar's time when each run deleted the previous tree. The
# graveyard is deleted at the end.
fresh() {
    local d s=""
    for d in "$@"; do
        s+="if [ -e $d ]; then mv $d $(printf %q "$grave")/\$(date +%s%N); fi; "
    done
    echo "${s}sync"
}

bench_import() {
    local A D R X B
    A=$(printf %q "$aci") D=$(printf %q "$out/data") R=$(printf %q "$out/render")
    X=$(printf %q "$out/bsdtar") B=$(printf %q "$orbit")
    local fetch="$B --dir=$D --insecure-options=image fetch $A 2>/dev/null"
    local render="$B --dir=$D image render --rootfs-only example.com/bench $R"
    # The rendered tree a pod runs on: `prepare` renders the image in the
    # store (shared read-only by pods) and sets up a pod on it.
    local prepare="$B --dir=$D --insecure-options=image prepare --quiet example.com/bench --exec=/bin/true >/dev/null"

    local names=(bsdtar bsdtar_sync hash fetch render fetch_render fetch_prepare)
    local preps=("$(fresh "$X") && mkdir $X" "$(fresh "$X") && mkdir $X" ""
        "$(fresh "$D")" "$(fresh "$R")" "$(fresh "$D" "$R")" "$(fresh "$D")")
    local cmds=("bsdtar -xf $A -C $X" "bsdtar -xf $A -C $X && sync" "gzip -dc $A | sha512sum"
        "$fetch" "$render" "$fetch && $render" "$fetch && $prepare")
    interleaved
    local t_bsdtar=${med[0]} t_sync=${med[1]} t_hash=${med[2]}
    local t_fetch=${med[3]} t_render=${med[4]} t_both=${med[5]} t_prepare=${med[6]}
    check_same_tree "$out/render" "$out/bsdtar/rootfs" # the ACI holds manifest + rootfs/

    row "fetch + store render (prepare) vs bsdtar -x" "$t_prepare" "$t_bsdtar" 1.3
    row "fetch alone     vs bsdtar -x" "$t_fetch" "$t_bsdtar" -
    row "fetch + image render DIR (a copy) vs bsdtar -x" "$t_both" "$t_bsdtar" -
    row "image render DIR alone vs bsdtar -x" "$t_render" "$t_bsdtar" -
    row "fetch + image render DIR vs bsdtar -x && sync" "$t_both" "$t_sync" -
    row "fetch alone     vs gzip -dc | sha512sum" "$t_fetch" "$t_hash" -
}

# peak_rss LABEL CMD...: maximum resident set size in KiB, from GNU time.
peak_rss() {
    local label=$1
    shift
    /usr/bin/time -v -o "$out/time.txt" "$@" >/dev/null 2>&1 || die "failed: $*"
    local kb
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
    printf '%-44s %8d KiB\n' "$label" "$kb"
}

rss_report() {
    rm -rf "$out/data" "$out/render" "$out/bsdtar"
    mkdir "$out/bsdtar"
    rss+=("$(peak_rss "orbit fetch (fresh data dir)" \
        "$orbit" --dir="$out/data" --insecure-options=image fetch "$aci")")
    rss+=("$(peak_rss "orbit image render --rootfs-only" \
        "$orbit" --dir="$out/data" image render --rootfs-only example.com/bench "$out/render")")
    rss+=("$(peak_rss "bsdtar -xf" bsdtar -xf "$aci" -C "$out/bsdtar")")
    rm -rf "$out/data" "$out/render" "$out/bsdtar"
}

# $nimages tiny uncompressed ACIs with distinct names and content, fetched in batches of 250.
make_many() {
    local m=$out/many i
    rm -rf "$m" "$out/list-data"
    mkdir -p "$m"
    for ((i = 0; i < nimages; i++)); do
        mkdir -p "$m/l$i/rootfs/etc"
        echo "image $i" >"$m/l$i/rootfs/etc/hello"
        printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/tiny-%d",%s\n' \
            "$i" "\"labels\":[{\"name\":\"version\",\"value\":\"1.$i.0\"}]}" >"$m/l$i/manifest"
        "$orbit" image build --compression=none "$m/l$i" "$m/t$i.aci" >/dev/null
        rm -rf "$m/l$i"
    done
    local t0 t1 files=()
    for ((i = 0; i < nimages; i++)); do files+=("$m/t$i.aci"); done
    t0=$(date +%s.%N)
    printf '%s\0' "${files[@]}" | xargs -0 -n 250 \
        "$orbit" --dir="$out/list-data" --insecure-options=image fetch >/dev/null 2>"$out/many.err" ||
        die "fetching the tiny images failed, see $out/many.err"
    t1=$(date +%s.%N)
    fill_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    "$orbit" --dir="$out/one-data" --insecure-options=image fetch "$m/t0.aci" >/dev/null 2>&1 ||
        die "fetching $m/t0.aci failed"
    local n
    n=$("$orbit" --dir="$out/list-data" image list --no-legend | wc -l)
    ((n == nimages)) || die "image list shows $n images, expected $nimages"
}

bench_list() {
    local D B
    D=$(printf %q "$out/list-data") B=$(printf %q "$orbit")
    local n=$((runs * 6)) # milliseconds each: more runs, steadier median
    row_abs "image list, $nimages images (table)" \
        "$(measure list "" "$B --dir=$D image list" $n)" 0.050
    row_abs "image list, $nimages images (--format=json)" \
        "$(measure list_json "" "$B --dir=$D image list --format=json" $n)" -
    row_abs "image list, 1 image (table; start-up cost)" \
        "$(measure list_one "" "$B --dir=$(printf %q "$out/one-data") image list" $n)" -
}

main() {
    if [[ -e $out ]]; then
        rm -rf "$out"
        echo "waiting 30 s for ext4 to reuse the inodes of the last run (see fresh())..." >&2
        sync
        sleep 30
    fi
    grave=$out/graveyard
    mkdir -p "$out" "$grave"
    aci=$out/bench.aci
    make_big_aci
    print_machine
    echo >&2
    echo "measuring import and render (N=$runs)..." >&2
    bench_import
    rss=()
    rss_report
    echo "filling a store with $nimages images..." >&2
    make_many
    bench_list

    echo
    printf '%-44s %9s %9s %7s %7s  %s\n' operation "orbit s" "peer s" ratio target verdict
    printf '%s\n' "${rows[@]}"
    echo
    echo "peak RSS:"
    printf '  %s\n' "${rss[@]}"
    echo "store fill: $nimages tiny images fetched in $fill_seconds s (batches of 250)"
    echo "targets over: $failures"
    rm -rf "$grave" "$out/many" "$out/data" "$out/render" "$out/bsdtar"
    ((failures == 0))
}

main "$@"
