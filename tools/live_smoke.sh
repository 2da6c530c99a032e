#!/usr/bin/env bash
# The live backend's smoke test against Debian's Prosody (a ctest test, see
# live/CMakeLists.txt; docs/LIVE.md):
#
#   tools/live_smoke.sh MUCSIM SHARED_DIR
#
# Installs prosody when it is missing (tools/prosody.sh ensure), then, each on
# a fresh private server: replays two of Prosody's scripts (they must pass),
# replays one with a broken expectation (it must fail, at that line), runs a
# few generated programs with `check --server` on properties Prosody 0.12
# meets (must pass) and a short `diff` (must run: divergences are expected).
# Every server is stopped by its process id, also when the test fails.
# Exit: 0 passed, 1 failed, 77 skipped (prosody cannot be installed).
set -uo pipefail

mucsim=${1:?usage: tools/live_smoke.sh MUCSIM SHARED_DIR}
shared=${2:?usage: tools/live_smoke.sh MUCSIM SHARED_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prosody_sh="$here/prosody.sh"
scripts="$shared/scansion/prosody"
work=$(mktemp -d "${TMPDIR:-/tmp}/mucsim-live-smoke.XXXXXX")
servers=()
start_time=$SECONDS

cleanup() {
    for dir in "${servers[@]}"; do "$prosody_sh" stop "$dir" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    exit 1
}

if ! ensure_output=$("$prosody_sh" ensure 2>&1); then
    echo "SKIP: the live smoke test needs Debian's prosody: $ensure_output"
    exit 77
fi

# A fresh server in its own directory on a free loopback port; sets $port.
fresh_server() {
    local name=$1 dir="$work/$1"
    for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 12000))  # below Linux's ephemeral ports (32768-)
        mkdir -p "$dir"
        if "$prosody_sh" start "$dir" "$port" >"$dir.start" 2>&1; then
            servers+=("$dir")
            return 0
        fi
        grep -q "already listens\|port is in use" "$dir.start" || break
    done
    cat "$dir.start"
    fail "could not start prosody for $name"
}

stop_server() {
    "$prosody_sh" stop "$work/$1" >/dev/null || fail "could not stop prosody for $1"
    local kept=()
    for dir in "${servers[@]}"; do [ "$dir" = "$work/$1" ] || kept+=("$dir"); done
    servers=("${kept[@]}")
}

echo "== replay --server: one fresh Prosody per script"
for script in muc_affiliation_notify muc_whois_anyone_member; do
    fresh_server "$script"
    "$mucsim" replay --server "127.0.0.1:$port" "$scripts/$script.scs" || fail "$script.scs against Prosody"
    stop_server "$script"
done

echo "== replay --server: a broken expectation fails at its line"
fresh_server broken
# The notification says 'member'; expecting 'admin' must fail where it is expected.
cat >"$work/broken.sed" <<'SED'
s/<item jid="${Juliet's JID}" affiliation='member'/<item jid="${Juliet's JID}" affiliation='admin'/
SED
sed -f "$work/broken.sed" "$scripts/muc_affiliation_notify.scs" >"$work/broken.scs"
cmp -s "$work/broken.scs" "$scripts/muc_affiliation_notify.scs" && fail "the broken script is not broken"
output=$("$mucsim" replay --server "127.0.0.1:$port" --timeout-ms 1000 "$work/broken.scs")
code=$?
echo "$output" | head -3
[ $code -eq 1 ] || fail "a broken script exited $code, not 1"
echo "$output" | grep -q "expected 'admin', received 'member'" || fail "the failure does not say why"
stop_server broken

echo "== check --server: generated programs, one input at a time"
fresh_server check
"$mucsim" check --server "127.0.0.1:$port" --seed 1 --runs 4 --steps-max 12 -q \
    --property admission --property nick-unique --property iq-response --property no-real-jid-leak \
    --out "$work/counterexamples" || fail "check --server on properties Prosody 0.12 meets"
stop_server check

echo "== diff: in-process and Prosody"
fresh_server diff
"$mucsim" diff --server "127.0.0.1:$port" --seed 1 --runs 2 --steps-max 8 --shrink-max 10 -q \
    --out "$work/divergences" >"$work/diff.out"
code=$?
tail -1 "$work/diff.out"
[ $code -eq 0 ] || [ $code -eq 1 ] || fail "diff exited $code"
grep -q "^2 programs on 127.0.0.1:$port" "$work/diff.out" || fail "diff did not run its 2 programs"
stop_server diff

echo "PASS: live smoke test against Prosody $(dpkg-query -W -f='${Version}' prosody 2>/dev/null) in $((SECONDS - start_time)) s"
