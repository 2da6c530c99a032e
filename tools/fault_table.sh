#!/usr/bin/env bash
# The bug-finding table of docs/FAULTS.md: for every injected fault, what
# `mucsim check --inject FAULT --seed 1` reports (the property, runs to the
# first violation, the shrunk program's length, seconds) and what
# `mucsim explore --clients 3 --depth 4 --inject FAULT` reports (the shortest
# counterexample's length, or that the alphabet cannot reach the fault).
#
#   tools/fault_table.sh [MUCSIM]     (default: build/tools/mucsim)
#
# Prints a Markdown table on stdout. Exit 1 if `check` misses a fault.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mucsim=${1:-$here/build/tools/mucsim}
[ -x "$mucsim" ] || { echo "error: $mucsim is not an executable (build first, or pass its path)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status=0
echo "| fault | property (check) | runs to the first violation | shrunk to (actions) | seconds | explore: shortest path (transitions) |"
echo "|---|---|---|---|---|---|"
for fault in $("$mucsim" check --list-faults | awk '{print $1}'); do
    report=$("$mucsim" check --inject "$fault" --seed 1 --runs 5000 -q --out "$out" 2>&1 || true)
    property=$(sed -n 's/^FAIL \([^ ]*\) .*/\1/p' <<<"$report" | head -1)
    runs=$(sed -n 's/.* after \([0-9]*\) runs in .*/\1/p' <<<"$report" | head -1)
    seconds=$(sed -n 's/.* runs in \([0-9.]*\) s;.*/\1/p' <<<"$report" | head -1)
    shrunk=$(sed -n 's/.* shrunk from [0-9]* to \([0-9]*\) actions.*/\1/p' <<<"$report" | head -1)
    explored=$("$mucsim" explore --clients 3 --depth 4 --inject "$fault" -q --out "$out" 2>&1 || true)
    path=$(sed -n 's/^shortest counterexample: \([0-9]*\) transitions.*/\1/p' <<<"$explored" | head -1)
    [ -n "$path" ] || path="not reachable at depth 4"
    if [ -z "$property" ]; then
        status=1
        property="**not found**"
    fi
    echo "| \`$fault\` | $property | ${runs:-–} | ${shrunk:-–} | ${seconds:-–} | $path |"
done
exit $status
