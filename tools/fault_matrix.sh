#!/usr/bin/env bash
# Which scenario scripts fail under which injected fault.
#
#   tools/fault_matrix.sh [MUCSIM]     (default: build/tools/mucsim)
#
# For every fault listed by `mucsim check --list-faults`, replays every script in
# scenarios/*.scs with `--inject FAULT` (scansion's rules), and the scripts whose header
# says "# Strict order: yes" once more with --strict-order. Prints a Markdown table (the
# one in docs/SCENARIOS.md) on stdout: per fault, the scripts that fail. Exit 1 if some
# fault breaks no script, or if a script fails without any fault.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mucsim=${1:-$here/build/tools/mucsim}
cd "$here"
[ -x "$mucsim" ] || { echo "error: $mucsim is not an executable (build first, or pass its path)" >&2; exit 2; }

scripts=(scenarios/*.scs)
strict=()
for s in "${scripts[@]}"; do
    grep -q '^# Strict order: yes' "$s" && strict+=("$s")
done

# failing FLAGS... -- FILES... : the base names of the scripts that FAIL
failing() {
    { "$mucsim" replay "$@" 2>&1 || true; } | sed -n 's/^FAIL  scenarios\/\([^.:]*\)\.scs.*/\1/p' | sort -u
}

status=0
clean=$(failing -- "${scripts[@]}"; failing --strict-order -- "${strict[@]}")
if [ -n "$clean" ]; then
    echo "error: these scripts fail without any fault: $clean" >&2
    status=1
fi

faults=$("$mucsim" check --list-faults | awk '{print $1}')
echo "| fault | scripts that fail (scansion's rules) | failing only with \`--strict-order\` |"
echo "|---|---|---|"
declare -A broken=()
for fault in $faults; do
    lenient=$(failing --inject "$fault" -- "${scripts[@]}")
    strict_only=$(comm -13 <(echo "$lenient") <(failing --strict-order --inject "$fault" -- "${strict[@]}"))
    for s in $lenient $strict_only; do broken[$s]=1; done
    fmt() { if [ -z "$1" ]; then echo "—"; else echo "$1" | sed 's/.*/`&`/' | paste -sd ' ' | sed 's/` `/`, `/g'; fi; }
    n=$(echo "$lenient $strict_only" | wc -w)
    echo "| \`$fault\` ($n) | $(fmt "$lenient") | $(fmt "$strict_only") |"
    [ "$n" -gt 0 ] || { echo "error: fault $fault breaks no script" >&2; status=1; }
done
echo
untouched=()
for s in "${scripts[@]}"; do
    name=$(basename "$s" .scs)
    [ -n "${broken[$name]:-}" ] || untouched+=("\`$name\`")
done
echo "Scripts that no fault breaks (${#untouched[@]} of ${#scripts[@]}): $(IFS=,; echo "${untouched[*]}" | sed 's/,/, /g')."
exit $status
