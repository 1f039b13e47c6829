#!/usr/bin/env bash
# Runs every libFuzzer harness for SECONDS each on a scratch copy of its seed corpus.
#   tests/fuzz/run.sh [SECONDS]        (default 60)
# Environment: FUZZ_BUILD_DIR (default: build-fuzz beside the repository, configured if missing),
# FUZZ_JOBS (parallel workers per harness, default 1), FUZZ_KEEP=1 keeps the scratch dir.
# Nothing is written into the repository. Crash inputs and logs are left in the scratch
# dir, whose path is printed; exit status is non-zero when any harness found a crash.
set -euo pipefail

seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$(dirname "$src")/build-fuzz}

if [[ ! -f $build/build.ninja ]]; then
    setup_log=$(mktemp "${TMPDIR:-/tmp}/orbit-fuzz-setup.XXXXXX")
    CC=clang meson setup "$build" "$src" -Dfuzz=true -Dtests=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false >"$setup_log" 2>&1 ||
        { tail -n 20 "$setup_log" >&2; rm -rf "$build" "$setup_log"; exit 1; }
    rm -f "$setup_log"
fi

# Build only the harnesses, so a half-edited CLI elsewhere in the tree does not block fuzzing.
harnesses=()
for c in "$here"/fuzz_*.c; do
    [[ -e $c ]] || continue
    h=$(basename "$c" .c)
    # meson.build skips harness files missing at configure time: reconfigure to pick them up
    ninja -C "$build" -t targets all 2>/dev/null | grep -q "^tests/fuzz/$h:" ||
        meson setup --reconfigure "$build" "$src" >/dev/null
    if ninja -C "$build" "tests/fuzz/$h" >"$build/fuzz-build-$h.log" 2>&1; then
        harnesses+=("$h")
    else
        echo "error: $h does not build, see $build/fuzz-build-$h.log" >&2
        exit 1
    fi
done
((${#harnesses[@]})) || { echo "no fuzz harnesses built" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/orbit-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for h in "${harnesses[@]}"; do
    work=$scratch/$h
    mkdir -p "$work/corpus" "$work/artifacts"
    [[ -d $here/corpus/$h ]] && cp -r "$here/corpus/$h/." "$work/corpus/"
    extra=()
    jobs=${FUZZ_JOBS:-1}
    ((jobs > 1)) && extra+=("-jobs=$jobs" "-workers=$jobs")
    [[ -f $here/corpus/$h.dict ]] && extra+=("-dict=$here/corpus/$h.dict")
    echo "== $h: ${seconds}s, corpus $(find "$work/corpus" -type f | wc -l) seeds"
    status=0
    (cd "$work" && "$build/tests/fuzz/$h" "$work/corpus" "${extra[@]}" \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts/" -print_final_stats=1 >"$work/log" 2>&1) || status=$?
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
        "$work/log" | tr '\n' ' ' | sed 's/stat:://g; s/: */=/g; s/^/   /; s/ *$/\n/' || true
    grep -E '^#[0-9]+' "$work/log" | tail -n 1 | sed 's/^/   /' || true
    crashes=$(find "$work/artifacts" -type f | wc -l)
    if ((status != 0 || crashes > 0)); then
        failed+=("$h")
        echo "   FAILED (exit $status): $crashes artifact(s) in $work/artifacts, log $work/log"
        # the report head and the project's own frames; the full trace is in the log
        grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' \
            "$work/log" | sed 's/^/   /' || true
        grep -E '^ *#[0-9]+ .* in .* [^ (]*(src/liborbit|tests/fuzz)/[^ ]*\.[ch]:[0-9]+' \
            "$work/log" | head -n 8 |
            sed 's/ (.*BuildId.*//; s/^/   /' || true
        grep -m1 '^SUMMARY:' "$work/log" | sed 's/^/   /' || true
    fi
done

if ((${#failed[@]})); then
    echo "crashes in: ${failed[*]} (scratch dir kept: $scratch)"
    exit 1
fi
if [[ ${FUZZ_KEEP:-0} == 1 ]]; then echo "scratch dir: $scratch"; else rm -rf "$scratch"; fi
echo "all harnesses ran ${seconds}s without crashes"
