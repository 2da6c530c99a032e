#!/usr/bin/env bash
# A private ejabberd (Debian's package, 23.01) for mucsim's live backend.
#
#   tools/ejabberd.sh start DIR PORT   write DIR/ejabberd.yml, start ejabberd on
#                                      127.0.0.1:PORT, wait until it accepts connections
#   tools/ejabberd.sh stop DIR         stop the instance started in DIR, by its process id
#   tools/ejabberd.sh config DIR PORT  only write DIR/ejabberd.yml and DIR/extauth.escript
#   tools/ejabberd.sh ensure           install Debian's ejabberd when it is missing (apt-get, as
#                                      root or with passwordless sudo); exit 3 when it cannot be
#
# Shaped like tools/prosody.sh's Prosody, so one program means the same on both:
# any user with any password (external authentication by DIR/extauth.escript,
# which says yes to every account: Prosody's "insecure" authentication), plain
# c2s without TLS, the MUC at conference.localhost with admin@localhost as its
# admin, no traffic shapers (ejabberd's defaults throttle a test client).
# Every path (config, Mnesia spool, log) is inside DIR. Nothing listens but c2s
# on the loopback port: the Erlang VM runs without a node name, so there is no
# epmd and no distribution port, and several instances run side by side.
# Accounts must exist for affiliations to survive a reconnect: with external
# authentication every account exists, which anonymous authentication
# (accounts removed with their last session) would not give.
#
# Exit: 0 ok, 1 ejabberd did not start or stop, 2 usage, 3 (ensure) ejabberd is
# missing and cannot be installed.
set -euo pipefail

usage() {
    echo "usage: tools/ejabberd.sh start DIR PORT | stop DIR | config DIR PORT | ensure" >&2
    exit 2
}

# shellcheck source=tools/server_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/server_common.sh"

wait_seconds=${MUCSIM_EJABBERD_WAIT:-30}
erl_libs=${MUCSIM_EJABBERD_LIBS:-/usr/lib/x86_64-linux-gnu}

write_config() {
    local dir=$1 port=$2
    mkdir -p "$dir/spool"
    cat >"$dir/extauth.escript" <<'EOF'
#!/usr/bin/env escript
%%! -noinput
%% mucsim: ejabberd's external authentication (ejabberd's extauth protocol,
%% 2-byte length-prefixed requests and answers) that accepts every account
%% and every password, as Prosody's "insecure" authentication does.
%% -noinput: the requests on stdin are the port's, not the shell's.
main(_) ->
    Port = open_port({fd, 0, 1}, [{packet, 2}, binary, in, out, eof]),  % eof: the VM ended
    loop(Port).
loop(Port) ->
    receive
        {Port, {data, _Request}} ->
            port_command(Port, <<1:16>>),
            loop(Port);
        _ -> halt(0)
    end.
EOF
    chmod +x "$dir/extauth.escript"
    cat >"$dir/ejabberd.yml" <<EOF
# mucsim: a private ejabberd for live tests (tools/ejabberd.sh). Every path is in $dir.
loglevel: ${MUCSIM_EJABBERD_LOG_LEVEL:-warning}
log_rotate_count: 0
hosts:
  - localhost
listen:
  -
    port: $port
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 1048576
    shaper: none
    access: c2s
    starttls: false
    starttls_required: false
auth_method: external
extauth_program: "escript $dir/extauth.escript"
extauth_pool_size: 1
auth_use_cache: false
disable_sasl_mechanisms:
  - "digest-md5"
  - "X-OAUTH2"
acl:
  admin:
    user:
      - "admin@localhost"
access_rules:
  c2s:
    allow: all
  muc_create:
    allow: all
shaper_rules:
  max_user_sessions: 100
  max_user_offline_messages: 1
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_muc:
    host: conference.localhost
    access:
      - allow
    access_admin:
      - allow: admin
    access_create: muc_create
    access_persistent: muc_create
    access_register: muc_create
    history_size: 20
    max_user_conferences: 1000
    min_message_interval: 0
    min_presence_interval: 0
    room_shaper: none
    user_message_shaper: none
    user_presence_shaper: none
    max_users_presence: 1000
    db_type: mnesia
    ram_db_type: mnesia
EOF
}

ensure() {
    apt_install ejabberd ejabberd installed
}

installed() {
    command -v erl >/dev/null && command -v escript >/dev/null && ls -d "$erl_libs"/ejabberd-[0-9]* >/dev/null 2>&1
}

start() {
    local dir=$1 port=$2
    installed || { echo "error: ejabberd is not installed (apt-get install ejabberd)" >&2; exit 1; }
    if port_open "$port"; then
        echo "error: something already listens on 127.0.0.1:$port" >&2
        exit 1
    fi
    write_config "$dir" "$port"
    rm -f "$dir/ejabberd.log" "$dir/error.log"
    # No -sname/-name: the VM starts no distribution, so no epmd. ejabberd
    # reads its config and log paths from the environment, as ejabberdctl
    # sets them. setsid: its own session, so stop kills nothing else.
    EJABBERD_CONFIG_PATH="$dir/ejabberd.yml" EJABBERD_LOG_PATH="$dir/ejabberd.log" ERL_LIBS="$erl_libs" \
        ERL_CRASH_DUMP="$dir/erl_crash.dump" ERL_CRASH_DUMP_BYTES=0 HOME="$dir" \
        setsid erl -noinput -noshell +K true -mnesia dir "\"$dir/spool\"" -s ejabberd \
        >"$dir/ejabberd.out" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$dir/mucsim-ejabberd.pid"
    local waited=0
    while ! port_open "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "error: ejabberd exited before listening on 127.0.0.1:$port; its output:" >&2
            tail -n 20 "$dir/ejabberd.out" "$dir/ejabberd.log" >&2 2>/dev/null || true
            rm -f "$dir/mucsim-ejabberd.pid"
            exit 1
        fi
        if [ "$waited" -ge $((wait_seconds * 10)) ]; then
            echo "error: ejabberd (pid $pid) does not listen on 127.0.0.1:$port after ${wait_seconds} s; its log:" >&2
            tail -n 20 "$dir/ejabberd.log" >&2 2>/dev/null || true
            kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    echo "ejabberd $(ejabberd_version) listening on 127.0.0.1:$port (pid $pid, dir $dir)"
}

ejabberd_version() {
    dpkg-query -W -f='${Version}' ejabberd 2>/dev/null || echo "?"
}

stop() {
    stop_by_pidfile ejabberd "$1/mucsim-ejabberd.pid"
}

case "${1:-}" in
    start) [ $# -eq 3 ] || usage; start "$(realpath -m "$2")" "$3" ;;
    stop) [ $# -eq 2 ] || usage; stop "$(realpath -m "$2")" ;;
    config) [ $# -eq 3 ] || usage; write_config "$(realpath -m "$2")" "$3" ;;
    ensure) [ $# -eq 1 ] || usage; ensure ;;
    *) usage ;;
esac
