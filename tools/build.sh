#!/usr/bin/env bash
# Set-up, build and run mucsim on Debian 12.
#
#   tools/build.sh main   install what is missing, build, run the main job
#   tools/build.sh test   install what is missing, build, run the whole test suite
#
# Packages are installed with apt-get (through sudo when not root). Nothing
# else needs to be installed by hand.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

packages=(
    g++ cmake ninja-build pkg-config
    libexpat1-dev libfmt-dev libcli11-dev librapidcheck-dev doctest-dev libboost-graph-dev libidn-dev
    graphviz
    prosody
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

case "${1:-}" in
    main)
        install_missing
        shared_dir
        build build
        echo "== mucsim lint ../shared/scansion/prosody/*.scs"
        build/tools/mucsim lint ../shared/scansion/prosody/*.scs
        ;;
    test)
        install_missing
        shared_dir
        build build -DMUCSIM_WERROR=ON
        echo "== unit and scenario tests"
        ctest --test-dir build --output-on-failure -j "$(nproc)"
        ;;
    *)
        echo "usage: tools/build.sh main|test" >&2
        exit 2
        ;;
esac
