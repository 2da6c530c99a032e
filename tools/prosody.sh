#!/usr/bin/env bash
# A private Prosody (Debian's package, 0.12) for mucsim's live backend.
#
#   tools/prosody.sh start DIR PORT   write DIR/prosody.cfg.lua, start Prosody on
#                                     127.0.0.1:PORT, wait until it accepts connections
#   tools/prosody.sh stop DIR         stop the instance started in DIR, by its process id
#   tools/prosody.sh config DIR PORT  only write DIR/prosody.cfg.lua
#   tools/prosody.sh ensure           install Debian's prosody when it is missing (apt-get, as
#                                     root or with passwordless sudo); exit 3 when it cannot be
#
# The configuration is shaped like ../shared/scansion/prosody/prosody.cfg.lua, the
# one Prosody's own MUC scripts were written for: memory storage, open test
# authentication (any user, any password), plain c2s without TLS, the MUC at
# conference.localhost with admin@localhost as its admin. Every path (data,
# pidfile, log) is inside DIR. Nothing listens but c2s on the loopback port: no
# s2s, no HTTP, no component port, so several instances run side by side.
#
# Prosody started as root refuses to run (mod_posix: "Danger, Will Robinson!")
# unless `run_as_root = true`; the config sets it only when this script runs as
# root. Exit: 0 ok, 1 Prosody did not start or stop, 2 usage, 3 (ensure) Prosody
# is missing and cannot be installed.
set -euo pipefail

usage() {
    echo "usage: tools/prosody.sh start DIR PORT | stop DIR | config DIR PORT | ensure" >&2
    exit 2
}

# shellcheck source=tools/server_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/server_common.sh"

wait_seconds=${MUCSIM_PROSODY_WAIT:-15}

write_config() {
    local dir=$1 port=$2
    mkdir -p "$dir/data" "$dir/certs"
    local as_root=""
    [ "$(id -u)" -eq 0 ] && as_root="run_as_root = true -- started as root: mod_posix refuses otherwise"
    cat >"$dir/prosody.cfg.lua" <<EOF
-- mucsim: a private Prosody for live tests (tools/prosody.sh), shaped like
-- ../shared/scansion/prosody/prosody.cfg.lua. Every path is in $dir.
$as_root
data_path = "$dir/data"
pidfile = "$dir/prosody.pid"
log = { { levels = { min = "${MUCSIM_PROSODY_LOG_LEVEL:-info}" }, to = "file", filename = "$dir/prosody.log" } }
certificates = "$dir/certs"

-- Only c2s, only on the loopback port.
interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
s2s_ports = { }
component_ports = { }
http_ports = { }
https_ports = { }

admins = { }
modules_enabled = {
	"roster"; "saslauth"; "disco";
	"carbons"; "pep"; "private"; "blocklist"; "vcard4"; "vcard_legacy";
	"version"; "uptime"; "time"; "ping"; "register"; "mam";
	"server_contact_info"; "lastactivity";
	"tombstones"; "user_account_management";
}
modules_disabled = { "s2s"; "tls"; "admin_socket"; "admin_shell" }

allow_registration = false
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "insecure"
insecure_open_authentication = "Yes please, I know what I'm doing!"
storage = "memory"
mam_smart_enable = true
bounce_blocked_messages = true

VirtualHost "localhost"
hide_os_type = true

Component "conference.localhost" "muc"
	storage = "memory"
	admins = { "admin@localhost" }
	modules_enabled = { "muc_mam" }
EOF
}

ensure() {
    apt_install prosody prosody installed
}

installed() {
    command -v prosody >/dev/null
}

start() {
    local dir=$1 port=$2
    command -v prosody >/dev/null || { echo "error: prosody is not installed (apt-get install prosody)" >&2; exit 1; }
    if port_open "$port"; then
        echo "error: something already listens on 127.0.0.1:$port" >&2
        exit 1
    fi
    write_config "$dir" "$port"
    rm -f "$dir/prosody.pid" "$dir/prosody.log"
    # Foreground Prosody in its own session, in the background of this shell;
    # its process id is what stop kills.
    setsid prosody --config "$dir/prosody.cfg.lua" -F >"$dir/prosody.out" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$dir/mucsim-prosody.pid"
    local waited=0
    while ! port_open "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "error: prosody exited before listening on 127.0.0.1:$port; its output:" >&2
            tail -n 20 "$dir/prosody.out" "$dir/prosody.log" >&2 2>/dev/null || true
            rm -f "$dir/mucsim-prosody.pid"
            exit 1
        fi
        if grep -q "Failed to open server port" "$dir/prosody.log" 2>/dev/null; then
            echo "error: prosody cannot listen on 127.0.0.1:$port: the port is in use" >&2
            kill "$pid" 2>/dev/null || true
            rm -f "$dir/mucsim-prosody.pid"
            exit 1
        fi
        if [ "$waited" -ge $((wait_seconds * 10)) ]; then
            echo "error: prosody (pid $pid) does not listen on 127.0.0.1:$port after ${wait_seconds} s" >&2
            kill "$pid" 2>/dev/null || true
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "prosody $(prosody_version) listening on 127.0.0.1:$port (pid $pid, dir $dir)"
}

prosody_version() {
    dpkg-query -W -f='${Version}' prosody 2>/dev/null || echo "?"
}

stop() {
    stop_by_pidfile prosody "$1/mucsim-prosody.pid"
}

case "${1:-}" in
    start) [ $# -eq 3 ] || usage; start "$(realpath -m "$2")" "$3" ;;
    stop) [ $# -eq 2 ] || usage; stop "$(realpath -m "$2")" ;;
    config) [ $# -eq 3 ] || usage; write_config "$(realpath -m "$2")" "$3" ;;
    ensure) [ $# -eq 1 ] || usage; ensure ;;
    *) usage ;;
esac
