#!/usr/bin/env bash
# Builds (when needed) and runs one libFuzzer target for a while.
#
#   tools/fuzz.sh TARGET SECONDS [LIBFUZZER_OPTION...]
#   tools/fuzz.sh all SECONDS        each target in turn, SECONDS each
#
# TARGET: fuzz_xml, fuzz_scansion, fuzz_program, fuzz_muc, fuzz_replay.
# The build is build-fuzz/ (clang-14, -fsanitize=fuzzer,address,undefined).
# Seeds are written at run time into build-fuzz/seeds/ from Prosody's scripts
# in ../shared and the project's scenarios/ (never copied into the sources);
# the corpus grows in build-fuzz/corpus/TARGET/ across runs. A crash is saved
# as build-fuzz/artifacts/TARGET-crash-*; rerun it with
#   build-fuzz/fuzz/TARGET build-fuzz/artifacts/TARGET-crash-...
# Ends with one line: execs, execs/s, coverage (cov, ft), corpus size.
# Exit 0 when the run ended without a finding, 1 on a finding, 2 on misuse.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build=${MUCSIM_FUZZ_BUILD:-build-fuzz}
cxx=${MUCSIM_FUZZ_CXX:-clang++-14}
targets=(fuzz_xml fuzz_scansion fuzz_program fuzz_muc fuzz_replay)

usage() {
    echo "usage: tools/fuzz.sh TARGET|all SECONDS [LIBFUZZER_OPTION...]  (TARGET: ${targets[*]})" >&2
    exit 2
}

[ $# -ge 2 ] || usage
target=$1
seconds=$2
shift 2
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || usage
if [ "$target" = all ]; then
    passed=0 failed=0
    for t in "${targets[@]}"; do
        if "$0" "$t" "$seconds" "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    done
    echo "fuzz: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi
[[ " ${targets[*]} " == *" $target "* ]] || usage

build_targets() {
    if [ ! -f "$build/build.ninja" ]; then
        # -O1 and line tables only, as OSS-Fuzz builds: quick to compile, quick to run.
        cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DMUCSIM_FUZZ=ON -DBUILD_TESTING=OFF \
            -DCMAKE_CXX_FLAGS_RELWITHASSERT="-O1 -gline-tables-only" >/dev/null
    fi
    cmake --build "$build" --target "$target" mucsim_fuzz_corpus -- -j"$(nproc)" >"$build/build.log" 2>&1 || {
        tail -40 "$build/build.log" >&2
        echo "error: the fuzz build failed (full log: $build/build.log)" >&2
        exit 2
    }
}

seeds() {
    local scripts=()
    [ -d ../shared/scansion/prosody ] && scripts+=(../shared/scansion/prosody/*.scs)
    compgen -G "scenarios/*.scs" >/dev/null && scripts+=(scenarios/*.scs)
    "$build/fuzz/mucsim_fuzz_corpus" "$build/seeds" "${scripts[@]}" >/dev/null
}

build_targets
seeds
case "$target" in
    fuzz_xml) seed_dir=xml dict=fuzz/xml.dict ;;
    fuzz_scansion) seed_dir=scansion dict=fuzz/xml.dict ;;
    fuzz_replay) seed_dir=replay dict=fuzz/xml.dict ;;
    fuzz_program) seed_dir=program dict=fuzz/program.dict ;;
    fuzz_muc) seed_dir=muc dict= ;;
esac
corpus="$build/corpus/$target"
mkdir -p "$corpus" "$build/artifacts" "$build/logs"
log="$build/logs/$target.log"
options=(-max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=4096
    -artifact_prefix="$build/artifacts/$target-")
[ -n "$dict" ] && options+=(-dict="$dict")

# Symbolised stack traces in reports (llvm-14's symbolizer, whatever else is on the PATH).
[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] && export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== $target for $seconds s (corpus $corpus, log $log)"
set +e
"$build/fuzz/$target" "${options[@]}" "$@" "$corpus" "$build/seeds/$seed_dir" >"$log" 2>&1
rc=$?
set -e

# The last status line ("#N DONE cov: .. ft: .. corp: .. exec/s: ..") and the final stats.
last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
if [ $rc -ne 0 ]; then
    tail -60 "$log" >&2
    echo "$target: FINDING after ${execs:-?} execs (exit $rc); the input is in $build/artifacts/" >&2
    exit 1
fi
echo "$target: ${seconds} s, ${execs:-?} execs, ${rate:-?} execs/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, no crash"
