# Sourced by tools/prosody.sh and tools/ejabberd.sh: what starting and
# stopping a private live server is the same for both. Not run on its own.

# Whether something accepts TCP connections on 127.0.0.1:PORT (bash's /dev/tcp).
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# apt_install NAME PACKAGE CHECK: runs CHECK (a function); when it fails,
# installs PACKAGE with apt-get (as root or with passwordless sudo, one
# apt-get at a time for parallel tests) and runs CHECK again. Exit 3 when
# it cannot be installed.
apt_install() {
    local name=$1 package=$2 check=$3
    "$check" && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            echo "$name is not installed, and installing it needs root or passwordless sudo" >&2
            exit 3
        fi
    fi
    command -v apt-get >/dev/null || { echo "$name is not installed, and there is no apt-get to install it" >&2; exit 3; }
    echo "== installing $name (apt-get)" >&2
    (
        flock -w 600 9 || exit 3
        "$check" && exit 0
        "${sudo[@]}" apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$package" >&2
    ) 9>"${TMPDIR:-/tmp}/mucsim-$package-install.lock" || true
    "$check" || { echo "$name could not be installed (apt-get failed)" >&2; exit 3; }
}

# stop_by_pidfile NAME FILE: SIGTERM to the process id in FILE (and its
# session, when it leads one), up to 5 s, then SIGKILL; removes FILE.
stop_by_pidfile() {
    local name=$1 file=$2
    [ -f "$file" ] || { echo "error: no $file: nothing started in $(dirname "$file")" >&2; exit 1; }
    local pid
    pid=$(cat "$file")
    [[ "$pid" =~ ^[0-9]+$ ]] || { echo "error: $file does not hold a process id" >&2; exit 1; }
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- -"$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        local waited=0
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do
            sleep 0.1
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "warning: $name (pid $pid) still runs after 5 s; killing it" >&2
            kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
    echo "$name (pid $pid) stopped"
}
