#!/usr/bin/env bash
# Set-up, build and run mucsim on Debian 12.
#
#   tools/build.sh main   install what is missing, build, run the main job: replay Prosody's
#                         scripts in-process, then the default property run (mucsim check)
#   tools/build.sh test   install what is missing, build, run the whole test suite;
#                         then the real-bug benchmark on two Prosody bugs (tools/prosody_bugs.sh),
#                         then each fuzzer for a short budget (build-fuzz/, tools/fuzz.sh),
#                         then the whole suite again built with ASan + UBSan (build-asan/)
#
# Environment for `test`: MUCSIM_FUZZ_SECONDS (default 30; 0 skips the fuzzers),
# MUCSIM_BUGS_SMOKE=0 skips the real-bug smoke test (two Prosody builds from ../shared),
# MUCSIM_SANITIZER_SUITE=0 skips the sanitizer build.
#
# Packages are installed with apt-get (through sudo when not root). Nothing
# else needs to be installed by hand.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

packages=(
    g++ cmake ninja-build pkg-config
    libexpat1-dev libfmt-dev libcli11-dev librapidcheck-dev doctest-dev libboost-graph-dev libidn-dev libmimalloc-dev
    graphviz
    clang-14 libclang-rt-14-dev llvm-14
    prosody ejabberd
    # Prosody built at old commits (../shared/prosody-bugs/prosody-at.sh, tools/prosody_bugs.sh)
    lua5.1 liblua5.1-0-dev lua5.2 liblua5.2-dev lua5.4 liblua5.4-dev libssl-dev
    lua-expat lua-socket lua-filesystem lua-sec lua-bitop
)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

shared_dir() {
    if [ ! -d "$here/../shared/scansion/prosody" ]; then
        echo "error: ../shared (the reference folder with Prosody's scripts) is not beside the project" >&2
        exit 2
    fi
}

build() {
    local dir=$1; shift
    cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
    cmake --build "$dir"
}

# The whole suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer
# (g++, -Og: the sanitizers make -O2 builds several times slower to compile).
# Any report aborts the test that caused it.
sanitizer_suite() {
    [ "${MUCSIM_SANITIZER_SUITE:-1}" != 0 ] || return 0
    echo "== sanitizer build (ASan + UBSan) in build-asan"
    local start=$SECONDS
    build build-asan -DMUCSIM_SANITIZE=ON -DCMAKE_CXX_FLAGS_RELWITHASSERT="-Og -g"
    echo "== unit and scenario tests under ASan + UBSan (built in $((SECONDS - start)) s)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
}

# The real-bug benchmark (docs/BUGS.md) on two of Prosody's bugs: both must be found
# blind, their counterexamples failing at the buggy commit and passing at the fix.
bugs_smoke() {
    [ "${MUCSIM_BUGS_SMOKE:-1}" != 0 ] || return 0
    echo "== real bugs: tools/prosody_bugs.sh on two of Prosody's (docs/BUGS.md)"
    tools/prosody_bugs.sh --min-found 2 \
        --out build/prosody-bugs 680 377
}

# Each fuzz target for a short budget (tools/fuzz.sh builds build-fuzz with clang).
fuzz_smoke() {
    local seconds=${MUCSIM_FUZZ_SECONDS:-30}
    [ "$seconds" != 0 ] || return 0
    echo "== fuzzers, $seconds s each"
    tools/fuzz.sh all "$seconds"
}

case "${1:-}" in
    main)
        install_missing
        shared_dir
        build build
        echo "== mucsim replay ../shared/scansion/prosody/*.scs"
        build/tools/mucsim replay ../shared/scansion/prosody/*.scs
        echo "== mucsim check (the default property run)"
        build/tools/mucsim check --jobs "$(nproc)"
        ;;
    test)
        install_missing
        shared_dir
        build build -DMUCSIM_WERROR=ON
        echo "== unit and scenario tests"
        ctest --test-dir build --output-on-failure -j "$(nproc)"
        bugs_smoke
        # The sanitizer suite comes last so that ctest's summary closes the output.
        fuzz_smoke
        sanitizer_suite
        ;;
    *)
        echo "usage: tools/build.sh main|test" >&2
        exit 2
        ;;
esac
