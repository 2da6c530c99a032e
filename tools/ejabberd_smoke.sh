#!/usr/bin/env bash
# The live backend's smoke test against Debian's ejabberd (a ctest test, see
# live/CMakeLists.txt; docs/LIVE.md, "ejabberd"):
#
#   tools/ejabberd_smoke.sh MUCSIM SOURCE_DIR
#
# Installs ejabberd when it is missing (tools/ejabberd.sh ensure), starts a
# private one, replays scenarios that ejabberd passes with --match xep (they
# must pass), one of them also with scansion's strict order (it must fail:
# ejabberd orders muc#user children otherwise than Prosody), and runs a few
# generated programs with `check --server` on properties ejabberd meets. The
# server is stopped by its process id, also when the test fails.
# Exit: 0 passed, 1 failed, 77 skipped (ejabberd cannot be installed or started).
set -uo pipefail

mucsim=${1:?usage: tools/ejabberd_smoke.sh MUCSIM SOURCE_DIR}
source_dir=${2:?usage: tools/ejabberd_smoke.sh MUCSIM SOURCE_DIR}
ejabberd_sh="$source_dir/tools/ejabberd.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mucsim-ejabberd-smoke.XXXXXX")
start_time=$SECONDS
started=""

cleanup() {
    [ -n "$started" ] && "$ejabberd_sh" stop "$work/server" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    exit 1
}

if ! ensure_output=$("$ejabberd_sh" ensure 2>&1); then
    echo "SKIP: the ejabberd smoke test needs Debian's ejabberd: $ensure_output"
    exit 77
fi

for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 12000))  # below Linux's ephemeral ports (32768-)
    if "$ejabberd_sh" start "$work/server" "$port" >"$work/start.out" 2>&1; then
        started=yes
        break
    fi
    grep -q "already listens" "$work/start.out" || break
done
if [ -z "$started" ]; then
    cat "$work/start.out"
    echo "SKIP: ejabberd is installed but does not start here"
    exit 77
fi
server="127.0.0.1:$port"

echo "== replay --server --match xep"
for scenario in 66_create_instant_room.scs 13_enter_nick_conflict.scs 48_voice_list.scs; do
    "$mucsim" replay --server "$server" --match xep --timeout-ms 1500 "$source_dir/scenarios/$scenario" ||
        fail "$scenario against ejabberd (--match xep)"
done

echo "== replay --server, scansion's order: ejabberd puts <item/> before <status/>"
output=$("$mucsim" replay --server "$server" --timeout-ms 1500 "$source_dir/scenarios/66_create_instant_room.scs")
code=$?
[ $code -eq 1 ] || fail "66_create_instant_room.scs with scansion's order exited $code, not 1"
echo "$output" | grep -q "expected <status xmlns='http://jabber.org/protocol/muc#user'>, received <item" ||
    fail "the failure does not say that the order differs: $output"

echo "== check --server: generated programs, one input at a time"
"$mucsim" check --server "$server" --seed 1 --runs 4 --steps-max 12 -q \
    --property admission --property nick-unique --property iq-response --property no-real-jid-leak --out "$work/counterexamples" || fail "check --server on properties ejabberd meets"

echo "PASS: live smoke test against ejabberd $(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null) in $((SECONDS - start_time)) s"
