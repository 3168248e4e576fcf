# shellcheck shell=bash disable=SC2154 # fuzz_name and fuzz_target: set by the runner
# What the libFuzzer runners test/fuzz/run.sh (rule engine) and test/fuzz/graphql_run.sh
# (GraphQL core) share: checking the settings, building the fuzzer in build-fuzz/ with
# clang, replaying given inputs, running it for a bounded time and judging the run. Source
# it from the runner's top level; do not execute it.
#
# Before sourcing, the runner sets
#   fuzz_name    the prefix of its messages and of its last line, always
#                "<fuzz_name>: N passed, N failed" (scripts/test parses it)
#   fuzz_target  the CMake target of its fuzzer (built with UDM_FUZZ=ON)
# Environment: UDM_FUZZ_SECONDS (default 60), UDM_FUZZ_CXX and UDM_FUZZ_CC (default
# clang++-14 and clang-14).

fuzz_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzz_build_dir="$fuzz_root/build-fuzz"
fuzz_seconds=${UDM_FUZZ_SECONDS:-60}
fuzz_cxx=${UDM_FUZZ_CXX:-clang++-14}
fuzz_cc=${UDM_FUZZ_CC:-clang-14}

# Print the last line: $1 passed, $2 failed.
fuzz_finish() { echo "$fuzz_name: $1 passed, $2 failed"; }

# Print the error $2..., the last line of a failed run, and exit with status $1.
fuzz_fail() {
    local status=$1
    shift
    echo "$fuzz_name: error: $*" >&2
    fuzz_finish 0 1
    exit "$status"
}

# Check the settings and build the fuzzer (exit status 2 for bad settings, 1 for a failed
# build); sets fuzzer to its path. UDM_FUZZ_PREBUILT=1: the caller built it already (both
# fuzzers at once, so that they can run side by side without configuring build-fuzz/ twice).
fuzz_build() {
    if ! [[ $fuzz_seconds =~ ^[0-9]+$ ]] || ((fuzz_seconds < 1)); then
        fuzz_fail 2 "UDM_FUZZ_SECONDS must be a positive number of seconds, not \"$fuzz_seconds\""
    fi
    if ! command -v "$fuzz_cxx" >/dev/null 2>&1; then
        fuzz_fail 2 "$fuzz_cxx not found (apt-get install clang-14 libclang-rt-14-dev, or run scripts/setup)"
    fi
    if [[ ${UDM_FUZZ_PREBUILT:-} == 1 && -x $fuzz_build_dir/$fuzz_target ]]; then
        fuzzer="$fuzz_build_dir/$fuzz_target"
        return 0
    fi
    mkdir -p "$fuzz_build_dir"
    local log="$fuzz_build_dir/${fuzz_target}_build.log"
    echo "$fuzz_name: building $fuzz_target in $fuzz_build_dir (log: $log)"
    if ! CC=$fuzz_cc CXX=$fuzz_cxx cmake -S "$fuzz_root" -B "$fuzz_build_dir" -DUDM_FUZZ=ON \
            -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$log" 2>&1 ||
        ! cmake --build "$fuzz_build_dir" --target "$fuzz_target" -j"$(nproc)" >>"$log" 2>&1; then
        cat "$log" >&2
        fuzz_fail 1 "building $fuzz_target failed"
    fi
    fuzzer="$fuzz_build_dir/$fuzz_target"
}

# With arguments (crash artifacts), replay those inputs instead of fuzzing, and exit.
fuzz_replay() {
    (($# > 0)) || return 0
    if "$fuzzer" -rss_limit_mb=2048 "$@"; then
        fuzz_finish 1 0
        exit 0
    fi
    fuzz_finish 0 1
    exit 1
}

# Make a scratch directory, fuzz_work, removed when the runner exits.
fuzz_make_work() {
    fuzz_work=$(mktemp -d)
    # shellcheck disable=SC2064 # the path is fixed now
    trap "rm -rf '$fuzz_work'" EXIT
}

# Run the fuzzer on the corpus directory $1 for UDM_FUZZ_SECONDS, its output in the log
# build-fuzz/$2, with the further libFuzzer flags $3...; print its final statistics and
# the last line, and exit 1 on a crash, a sanitizer report, a broken invariant or a slow
# input (artifacts in build-fuzz/).
fuzz_run() {
    local corpus=$1 log="$fuzz_build_dir/$2" status=0
    shift 2
    echo "$fuzz_name: running $fuzz_target for ${fuzz_seconds} s (log: $log)"
    "$fuzzer" "$corpus" "$@" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
        -artifact_prefix="$fuzz_build_dir/" -print_final_stats=1 >"$log" 2>&1 || status=$?
    # Belt and braces: a sanitizer report is a failure even if the process exited 0.
    if ((status == 0)) &&
        grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant broken' "$log"; then
        status=1
    fi
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$log" || true
    if ((status != 0)); then
        tail -n 60 "$log" >&2
        echo "$fuzz_name: failed (exit status $status); artifacts in $fuzz_build_dir/" >&2
        fuzz_finish 0 1
        exit 1
    fi
    fuzz_finish 1 0
}
