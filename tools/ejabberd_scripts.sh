#!/usr/bin/env bash
# Every scenario and Prosody script against ejabberd, one fresh private
# ejabberd per script and per matching mode (scripts name their rooms):
#
#   tools/ejabberd_scripts.sh [MUCSIM] [PORT_BASE] > table.tsv
#
# Prints one row per script: path, exit of `replay --match xep`, exit of
# `replay` (scansion's rules), the first failing line's reason. docs/LIVE.md
# ("Scripts on ejabberd") was made with it. Minutes: not in CI.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
mucsim=${1:-$root/build/tools/mucsim}
port=${2:-23000}
work=$(mktemp -d "${TMPDIR:-/tmp}/mucsim-ejabberd-scripts.XXXXXX")
trap '"$here/ejabberd.sh" stop "$work/server" >/dev/null 2>&1; rm -rf "$work"' EXIT

replay_fresh() {  # replay_fresh OUT SCRIPT [FLAGS...]: exit of the replay
    local out=$1 script=$2
    shift 2
    port=$((port + 1))
    "$here/ejabberd.sh" start "$work/server" "$port" >/dev/null || { echo "cannot start ejabberd" >"$out"; return 3; }
    "$mucsim" replay --server "127.0.0.1:$port" --timeout-ms 1500 "$@" "$script" >"$out" 2>&1
    local code=$?
    "$here/ejabberd.sh" stop "$work/server" >/dev/null
    rm -rf "$work/server"
    return $code
}

for script in "$root"/scenarios/*.scs "$root"/../shared/scansion/prosody/*.scs; do
    replay_fresh "$work/xep.out" "$script" --match xep
    xep=$?
    replay_fresh "$work/scansion.out" "$script"
    scansion=$?
    why=$(grep -m1 -E "^      (at|nothing|cannot)" "$work/xep.out" | sed 's/^ *//' | cut -c1-160)
    printf '%s\t%s\t%s\t%s\n' "${script#"$root"/}" "$xep" "$scansion" "$why"
done
