#!/usr/bin/env bash
# Benchmark: does mucsim find Prosody's real MUC bugs blind?
#
#   tools/prosody_bugs.sh [--runs N] [--check-seconds S] [--diff-seconds S] [--out DIR]
#                         [--port P] [--min-found K] [BUG...]
#
# For every bug of ../shared/prosody-bugs/bugs.tsv (or only the BUG ids given, from its first
# column) it builds Prosody at the bug's `buggy` and `fixed` commits (prosody-at.sh, cached),
# runs, against a fresh server at `buggy`, told nothing about the bug,
#
#   mucsim check --server 127.0.0.1:P --runs N --keep-going --time-max-s S_check --out OUT/ID/check
#   mucsim diff  --server 127.0.0.1:P --runs N --time-max-s S_diff --out OUT/ID/diff
#
# (each on its own fresh server), and replays every counterexample they write twice at `buggy`
# and twice at `fixed` (all of a bug's scripts in one `mucsim replay --server` on a fresh server
# each time: their rooms and resources are their own). A counterexample is
#   found           fails both times at buggy, passes both times at fixed (the bug, found blind)
#   also-at-fixed   fails both times at buggy and at fixed (a difference of that old Prosody,
#                   not the bug)
#   not-reproduced  passes both times at buggy
#   flaky           any other mix of PASS and FAIL
#   error           a replay could not run (server did not start, file missing, timeout)
# A bug counts as found when at least one of its counterexamples is `found`.
#
# Options (defaults in brackets):
#   --runs N            generated programs per command, at most [5000]: the time budgets end the search
#   --check-seconds S   time budget of mucsim check, --time-max-s [30]
#   --diff-seconds S    time budget of mucsim diff, --time-max-s [25]
#   --out DIR           results [${TMPDIR:-/tmp}/mucsim-prosody-bugs]; OUT/ID is emptied first
#   --port P            the one 127.0.0.1 port every server uses, one at a time [16900]
#   --min-found K       exit 1 when fewer than K bugs are found (CI smoke) [none]
#   -h, --help          this text
#
# Output: one row per bug on stdout as each finishes (progress goes to stderr), then
# "N of M found". Files: OUT/results.tsv (the same rows), OUT/run.txt (how it was run),
# OUT/ID/{build,server}.log, OUT/ID/{check,diff}.log (each command's output),
# OUT/ID/{check,diff}/ (its --out folder), OUT/ID/validation.tsv (one line a counterexample,
# both verdicts at both commits), OUT/ID/replay.log (every replay's output).
#
# Environment: MUCSIM names the mucsim binary (default build/tools/mucsim; a relative path is
# taken from the calling directory when it exists there, else from the project root).
# PROSODY_AT_CACHE as for prosody-at.sh.
#
# Exit: 0 the benchmark ran (whatever it found); 1 fewer than --min-found K found;
# 2 bad usage, or mucsim or the prosody-bugs scripts missing.
#
# Each command is bounded by `timeout` (S + 60 s for check and diff) as a safety net behind
# --time-max-s. Every server it starts (also those replay.sh starts) is stopped on exit,
# by PID, with prosody-stop.sh. Nothing but 127.0.0.1 is contacted.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo pipefail$/{/^set /d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
die_usage() { echo "prosody_bugs.sh: $*" >&2; echo "try: tools/prosody_bugs.sh --help" >&2; exit 2; }
log() { echo "== $*" >&2; }

caller_pwd=$PWD
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

# ---------------------------------------------------------------------------------------
# Options
runs=5000
check_s=30
diff_s=25
out=${TMPDIR:-/tmp}/mucsim-prosody-bugs
port=16900
min_found=""
selected=()

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
need_value() { [ $# -ge 2 ] || die_usage "$1 needs a value"; }

while [ $# -gt 0 ]; do
    opt=$1
    # --opt=value is accepted as well as --opt value
    if [[ $opt == --*=* ]]; then set -- "${opt%%=*}" "${opt#*=}" "${@:2}"; opt=$1; fi
    case "$opt" in
        -h|--help) usage; exit 0 ;;
        --runs) need_value "$@"; runs=$2; shift 2 ;;
        --check-seconds) need_value "$@"; check_s=$2; shift 2 ;;
        --diff-seconds) need_value "$@"; diff_s=$2; shift 2 ;;
        --out) need_value "$@"; out=$2; shift 2 ;;
        --port) need_value "$@"; port=$2; shift 2 ;;
        --min-found) need_value "$@"; min_found=$2; shift 2 ;;
        --) shift; selected+=("$@"); break ;;
        -*) die_usage "unknown option '$opt'" ;;
        *) selected+=("$opt"); shift ;;
    esac
done

is_positive() { is_uint "$1" && [ "$1" -ge 1 ]; }
is_positive "$runs" || die_usage "--runs wants a positive integer, not '$runs'"
is_positive "$check_s" || die_usage "--check-seconds wants a positive integer, not '$check_s'"
is_positive "$diff_s" || die_usage "--diff-seconds wants a positive integer, not '$diff_s'"
if ! is_positive "$port" || [ "$port" -gt 65535 ]; then die_usage "--port wants 1-65535, not '$port'"; fi
[ -z "$min_found" ] || is_uint "$min_found" || die_usage "--min-found wants a non-negative integer, not '$min_found'"
[ -n "$out" ] || die_usage "--out wants a directory"
case "$out" in /*) ;; *) out=$caller_pwd/$out ;; esac

# ---------------------------------------------------------------------------------------
# What it needs: mucsim and the prosody-bugs folder
bugs_dir=$(cd "$here/../shared/prosody-bugs" 2>/dev/null && pwd) || {
    echo "prosody_bugs.sh: ../shared/prosody-bugs (the reference folder) is not beside the project" >&2; exit 2; }
at_sh=$bugs_dir/prosody-at.sh
run_sh=$bugs_dir/prosody-run.sh
stop_sh=$bugs_dir/prosody-stop.sh
replay_sh=$bugs_dir/replay.sh
bugs_tsv=$bugs_dir/bugs.tsv
for f in "$at_sh" "$run_sh" "$stop_sh" "$replay_sh"; do
    [ -x "$f" ] || { echo "prosody_bugs.sh: $f is missing or not executable" >&2; exit 2; }
done
[ -r "$bugs_tsv" ] || { echo "prosody_bugs.sh: $bugs_tsv is missing" >&2; exit 2; }

# The bugs: id -> buggy and fixed commit, in the order of bugs.tsv
declare -A buggy_of=() fixed_of=()
all_ids=()
while IFS=$'\t' read -r id _issue buggy fixed _rest; do
    if [ -z "$id" ] || [ "$id" = id ]; then continue; fi   # the header, blank lines
    all_ids+=("$id"); buggy_of[$id]=$buggy; fixed_of[$id]=$fixed
done < "$bugs_tsv"
if [ ${#selected[@]} -eq 0 ]; then
    selected=("${all_ids[@]}")
else
    for id in "${selected[@]}"; do
        [ -n "${buggy_of[$id]+x}" ] || die_usage "unknown bug id '$id' (known: ${all_ids[*]})"
    done
fi

mucsim=${MUCSIM:-build/tools/mucsim}
case "$mucsim" in
    /*) ;;
    *) if [ -n "${MUCSIM:-}" ] && [ -e "$caller_pwd/$mucsim" ]; then mucsim=$caller_pwd/$mucsim; else mucsim=$here/$mucsim; fi ;;
esac
[ -x "$mucsim" ] || { echo "prosody_bugs.sh: no mucsim at $mucsim (build it, or set MUCSIM)" >&2; exit 2; }
check_help=$("$mucsim" check --help 2>&1) || { echo "prosody_bugs.sh: '$mucsim check --help' failed" >&2; exit 2; }
diff_help=$("$mucsim" diff --help 2>&1) || { echo "prosody_bugs.sh: '$mucsim diff --help' failed" >&2; exit 2; }

# Flags this binary may not have yet: --quiet (progress line) and --time-max-s (time budget).
# Without --time-max-s only the safety timeout (S + 60 s) bounds a command, and what it had
# written when killed is what is validated.
check_flags=(--keep-going)
diff_flags=()
[[ $check_help == *--quiet* ]] && check_flags+=(--quiet)
[[ $diff_help == *--quiet* ]] && diff_flags+=(--quiet)
if [[ $check_help == *--time-max-s* ]]; then check_flags+=(--time-max-s "$check_s")
else log "note: this mucsim check has no --time-max-s; only the safety timeout ($((check_s + 60)) s) bounds it"; fi
if [[ $diff_help == *--time-max-s* ]]; then diff_flags+=(--time-max-s "$diff_s")
else log "note: this mucsim diff has no --time-max-s; only the safety timeout ($((diff_s + 60)) s) bounds it"; fi

# ---------------------------------------------------------------------------------------
# Bounds of the other steps (seconds)
build_timeout=900     # one Prosody build (a few seconds when it works; cached after)
start_timeout=60      # prosody-run.sh waits up to 20 s itself
stop_timeout=30       # prosody-stop.sh: SIGTERM, 5 s, SIGKILL

# prosody-at.sh puts its cache under $TMPDIR; pin it before TMPDIR is changed for the servers.
export PROSODY_AT_CACHE=${PROSODY_AT_CACHE:-${TMPDIR:-/tmp}/prosody-at-cache}

# Every server is started (by prosody-run.sh, here or inside replay.sh) with TMPDIR set to
# this private folder, so each one's data dir, holding prosody-run.pid, lands in it: on exit
# exactly the servers of this run are found and stopped, by PID, even those of a replay.sh
# interrupted half-way.
server_tmp=$(mktemp -d "${TMPDIR:-/tmp}/prosody-bugs-servers.XXXXXX")
server_pid=""   # the server started here, if one runs
child=""        # the command running now (under timeout, in its own process group)

stop_server() {
    [ -n "$server_pid" ] || return 0
    local pid=$server_pid
    server_pid=""
    timeout "$stop_timeout" "$stop_sh" "$pid" >/dev/null 2>&1 || log "warning: prosody-stop.sh $pid failed"
}

# shellcheck disable=SC2317  # called by the trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # timeout forwards the signal to its whole process group (replay.sh and its mucsim too)
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then kill -TERM "$child" 2>/dev/null || true; wait "$child" 2>/dev/null || true; fi
    stop_server
    local d pid
    for d in "$server_tmp"/prosody-run.*; do
        [ -f "$d/prosody-run.pid" ] || continue
        pid=$(cat "$d/prosody-run.pid")
        # only a live prosody whose command line names this data dir's config
        if [ -r "/proc/$pid/cmdline" ] && tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF "$d/prosody-run.cfg.lua"; then
            timeout "$stop_timeout" "$stop_sh" "$pid" >/dev/null 2>&1 || true
        fi
    done
    rm -rf "$server_tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_bounded SECONDS STDOUT STDERR CMD...: run CMD under timeout, stdout to STDOUT, stderr
# appended to STDERR (STDERR = STDOUT: both to STDOUT). In the background and waited for, so
# that INT/TERM reach the trap at once. Returns CMD's exit code (124: timed out).
run_bounded() {
    local secs=$1 o=$2 e=$3 r=0
    shift 3
    if [ "$e" = "$o" ]; then
        timeout -k 10 "$secs" "$@" >"$o" 2>&1 </dev/null &
    else
        timeout -k 10 "$secs" "$@" >"$o" 2>>"$e" </dev/null &
    fi
    child=$!
    wait "$child" || r=$?
    child=""
    return "$r"
}

# start_server BUILD LOG: a fresh server of BUILD on the port; sets server_pid. 1 when it did not start.
start_server() {
    local build=$1 log_file=$2 pid_file rc=0
    pid_file=$(mktemp "$server_tmp/pid.XXXXXX")
    run_bounded "$start_timeout" "$pid_file" "$log_file" env TMPDIR="$server_tmp" "$run_sh" "$build" "$port" || rc=$?
    local pid
    pid=$(tail -n 1 "$pid_file" 2>/dev/null || true)
    rm -f "$pid_file"
    if [ "$rc" != 0 ] || ! is_uint "$pid"; then return 1; fi
    server_pid=$pid
}

# build_at SHA LOG: sets built_dir to the prosody-at.sh build dir; 1 when the build failed.
# (Results go through globals, not $(...): a command substitution is a subshell, and the
# trap would not know the command it runs.)
built_dir=""
build_at() {
    local sha=$1 log_file=$2 dir_file rc=0 dir
    built_dir=""
    dir_file=$(mktemp "$server_tmp/build.XXXXXX")
    echo "-- prosody-at.sh $sha" >>"$log_file"
    run_bounded "$build_timeout" "$dir_file" "$log_file" "$at_sh" "$sha" || rc=$?
    dir=$(tail -n 1 "$dir_file" 2>/dev/null || true)
    rm -f "$dir_file"
    [ "$rc" = 0 ] && [ -f "$dir/.prosody-at" ] || return 1
    built_dir=$dir
}

# first_error LOG: the first line of LOG that looks like an error, shortened, for a row's note.
first_error() {
    local line
    line=$(grep -m1 -i -E 'error|failed|cannot' "$1" 2>/dev/null || true)
    line=${line//$'\t'/ }
    echo "${line:0:100}"
}

# search SOURCE BUILD BUGDIR SECONDS MUCSIM-ARGS...: one mucsim command on a fresh server.
# Appends to the global notes; sets search_start (epoch seconds).
search() {
    local source=$1 build=$2 dir=$3 secs=$4 rc=0
    shift 4
    search_start=$(date +%s)
    if ! start_server "$build" "$dir/server.log"; then
        notes+=("$source: server did not start")
        return 0
    fi
    log "$id: mucsim $source (up to $secs s)"
    run_bounded "$((secs + 60))" "$dir/$source.log" "$dir/$source.log" "$mucsim" "$source" \
        --server "127.0.0.1:$port" --runs "$runs" "$@" --out "$dir/$source" || rc=$?
    stop_server
    case "$rc" in
        0|1) ;;
        124|137) notes+=("$source: killed by the safety timeout ($((secs + 60)) s)") ;;
        *) notes+=("$source: rc $rc: $(first_error "$dir/$source.log")") ;;
    esac
}

# collect SOURCE DIR LOG START: the counterexamples of one command, as lines
# "source<TAB>name<TAB>seconds<TAB>actions<TAB>scs" on stdout.
collect() {
    local source=$1 dir=$2 log_file=$3 start=$4
    [ -d "$dir" ] || return 0
    if [ -f "$dir/findings.tsv" ]; then
        # Columns by the header's names, so that an added column does not shift them. Tabs
        # become \037 first: a tab in IFS is white space, and read would merge empty fields.
        local header i
        local -A col=()
        IFS=$'\037' read -r -a header < <(head -n 1 "$dir/findings.tsv" | tr '\t' '\037')
        for i in "${!header[@]}"; do col[${header[$i]}]=$i; done
        local f s n sec act scs
        while IFS=$'\037' read -r -a f; do
            [ ${#f[@]} -gt 0 ] || continue
            s=${f[${col[source]:-99}]:-$source}
            n=${f[${col[name]:-99}]:-?}
            sec=${f[${col[seconds]:-99}]:-?}
            act=${f[${col[actions]:-99}]:-?}
            scs=${f[${col[scs]:-99}]:-}
            # "as written": absolute, or relative to mucsim's directory (the project root)
            case "$scs" in /*|'') ;; *) if [ -e "$here/$scs" ]; then scs=$here/$scs; elif [ -e "$dir/$scs" ]; then scs=$dir/$scs; fi ;; esac
            printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$n" "$sec" "$act" "$scs"
        done < <(tail -n +2 "$dir/findings.tsv" | tr '\t' '\037')
        return 0
    fi
    # Older binary, no findings.tsv: every *.scs of the folder. The name comes from the
    # script's first line ("# mucsim counterexample, live: PROPERTY (...)") or its file name;
    # the shrunk length from the command's output ("shrunk from X to Y actions" before
    # "Counterexample script: FILE.scs"); the seconds are approximate, from the file's
    # modification time ("~").
    local -A shrunk=()
    local kind rest last=""
    while read -r kind rest; do
        if [ "$kind" = A ]; then last=$rest; else shrunk[$rest]=$last; fi
    done < <(sed -n -e 's/.*shrunk from [0-9]* to \([0-9]*\) actions.*/A \1/p' \
                    -e 's/.*Counterexample script: \(.*\.scs\) (.*/S \1/p' "$log_file" 2>/dev/null)
    local scs name mtime
    while IFS= read -r scs; do
        name=$(sed -n '1s/^# mucsim counterexample, live: \([^ ]*\).*/\1/p' "$scs")
        if [ -z "$name" ]; then name=$(basename "$scs" .scs); fi
        mtime=$(stat -c %Y "$scs")
        printf '%s\t%s\t~%s\t%s\t%s\n' "$source" "$name" "$((mtime - start))" "${shrunk[$scs]:-?}" "$scs"
    done < <(find "$dir" -maxdepth 1 -name '*.scs' -printf '%T@ %p\n' | sort -n | cut -d' ' -f2-)
    # A binary whose diff writes only the shrunk .prog: nothing to replay on a server.
    local progs=0 p
    for p in "$dir"/*.prog; do
        if [ -e "$p" ] && [ ! -e "${p%.prog}.scs" ]; then progs=$((progs + 1)); fi
    done
    [ "$progs" = 0 ] || notes+=("$source: $progs .prog without .scs, not validated")
}

# replay_batch BUILD LOG FILE...: replays every script on one fresh server of BUILD
# (mucsim's counterexamples use rooms and resources of their own, so they do not meet)
# and sets batch[FILE] to PASS, FAIL or ERROR (the server did not start, the replay
# timed out, the script was not reported).
declare -A batch=()
replay_batch() {
    local build=$1 log_file=$2 tmp rc=0 f
    shift 2
    batch=()
    [ $# -gt 0 ] || return 0
    tmp=$(mktemp "$server_tmp/replay.XXXXXX")
    if start_server "$build" "$log_file"; then
        # A loopback server answers in milliseconds: a short wait for what never comes.
        run_bounded $((60 + 15 * $#)) "$tmp" "$tmp" "$mucsim" replay --server "127.0.0.1:$port" --timeout-ms 1000 "$@" || rc=$?
        stop_server
    else
        echo "server did not start" > "$tmp"
    fi
    { echo "-- replay at $(sed -n 's/^sha=//p' "$build/.prosody-at"): rc $rc"; cat "$tmp"; } >>"$log_file"
    for f in "$@"; do
        if grep -qF "PASS  $f  " "$tmp"; then batch[$f]=PASS
        elif grep -qF "FAIL  $f" "$tmp"; then batch[$f]=FAIL
        else batch[$f]=ERROR
        fi
    done
    rm -f "$tmp"
}

# both V1 V2: the verdict of two replays at one commit.
both() {
    if [ "$1" = ERROR ] || [ "$2" = ERROR ]; then echo ERROR
    elif [ "$1" = "$2" ]; then echo "$1"
    else echo MIXED
    fi
}

# classify BUGGY FIXED (each from `both`)
classify() {
    case "$1" in
        ERROR) echo error ;;
        PASS) echo not-reproduced ;;
        MIXED) echo flaky ;;
        FAIL) case "$2" in PASS) echo found ;; FAIL) echo also-at-fixed ;; MIXED) echo flaky ;; *) echo error ;; esac ;;
    esac
}

# Seconds as a number for sorting ("~12" -> 12, unknown -> very late).
sort_seconds() {
    local s=${1#\~}
    if [[ $s =~ ^[0-9]+(\.[0-9]+)?$ ]]; then echo "$s"; else echo 999999999; fi
}

# ---------------------------------------------------------------------------------------
# Rows
columns=(id found_by first_found actions seconds total found at_fixed not_repro flaky note)
# Column widths on the terminal: negative = left-aligned (and cut to fit), positive =
# right-aligned, 0 = the last column, as it is.
widths=(-6 -8 -44 7 8 5 5 8 9 5 0)
# pad WIDTH TEXT: TEXT in |WIDTH| characters. By hand, as printf's %-8s counts bytes and
# "—" is three.
pad() {
    local w=$1 s=$2 n
    if [ "$w" -eq 0 ]; then printf '%s' "$s"; return; fi
    if [ "$w" -lt 0 ]; then
        w=$((-w))
        [ ${#s} -le "$w" ] || s="${s:0:$((w - 3))}..."
        printf '%s%*s' "$s" "$((w > ${#s} ? w - ${#s} : 0))" ""
    else
        n=$((w > ${#s} ? w - ${#s} : 0))
        printf '%*s%s' "$n" "" "$s"
    fi
}
print_row() {
    local fields=("$@") i line=""
    for i in "${!widths[@]}"; do
        line+=$(pad "${widths[$i]}" "${fields[$i]:-}")
        [ "$i" -eq $((${#widths[@]} - 1)) ] || line+="  "
    done
    echo "${line%"${line##*[! ]}"}"   # without trailing blanks
}
write_row() {
    print_row "$@"
    local IFS=$'\t'
    echo "$*" >> "$out/results.tsv"
}

mkdir -p "$out"
(IFS=$'\t'; echo "${columns[*]}") > "$out/results.tsv"
{
    echo "command: tools/prosody_bugs.sh --runs $runs --check-seconds $check_s --diff-seconds $diff_s --out $out --port $port${min_found:+ --min-found $min_found} ${selected[*]}"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mucsim: $mucsim ($("$mucsim" --version 2>&1 | head -n 1), modified $(date -u -r "$mucsim" +%Y-%m-%dT%H:%M:%SZ))"
    echo "check: mucsim check --server 127.0.0.1:$port --runs $runs ${check_flags[*]}"
    echo "diff:  mucsim diff --server 127.0.0.1:$port --runs $runs ${diff_flags[*]}"
    echo "host: $(uname -n), $(nproc) cores"
} > "$out/run.txt"
log "mucsim $mucsim; results in $out"
print_row "${columns[@]}"

bugs_found=0
bugs_run=0
for id in "${selected[@]}"; do
    bugs_run=$((bugs_run + 1))
    dir=$out/$id
    rm -rf "$dir"
    mkdir -p "$dir"
    notes=()

    # 1. Prosody at both commits
    log "$id: building ${buggy_of[$id]} (buggy) and ${fixed_of[$id]} (fixed)"
    build_at "${buggy_of[$id]}" "$dir/build.log" || true
    buggy_build=$built_dir
    build_at "${fixed_of[$id]}" "$dir/build.log" || true
    fixed_build=$built_dir
    if [ -z "$buggy_build" ] || [ -z "$fixed_build" ]; then
        which=""
        [ -n "$buggy_build" ] || which="buggy ${buggy_of[$id]}"
        [ -n "$fixed_build" ] || which="${which:+$which, }fixed ${fixed_of[$id]}"
        log "$id: build failed ($which); see $dir/build.log"
        write_row "$id" "—" "build failed" "—" "—" 0 0 0 0 0 "build failed: $which; see $dir/build.log"
        continue
    fi

    # 2. The blind search, each command on a fresh server at buggy
    search check "$buggy_build" "$dir" "$check_s" "${check_flags[@]}"
    check_start=$search_start
    search diff "$buggy_build" "$dir" "$diff_s" "${diff_flags[@]}"
    diff_start=$search_start

    # 3. What they wrote
    {
        collect check "$dir/check" "$dir/check.log" "$check_start"
        collect diff "$dir/diff" "$dir/diff.log" "$diff_start"
    } > "$dir/findings.all"

    # 4. Validation: all scripts twice at buggy, twice at fixed, each time on a fresh server
    printf 'source\tname\tseconds\tactions\tbuggy\tfixed\tclass\tscs\n' > "$dir/validation.tsv"
    scripts=()
    while IFS=$'\t' read -r _ _ _ _ scs; do
        if [ -n "$scs" ] && [ -f "$scs" ]; then scripts+=("$scs"); fi
    done < "$dir/findings.all"
    declare -A b1=() b2=() f1=() f2=()
    if [ ${#scripts[@]} -gt 0 ]; then
        log "$id: replaying ${#scripts[@]} counterexample(s) twice at buggy and twice at fixed"
        replay_batch "$buggy_build" "$dir/replay.log" "${scripts[@]}"; for k in "${!batch[@]}"; do b1[$k]=${batch[$k]}; done
        replay_batch "$buggy_build" "$dir/replay.log" "${scripts[@]}"; for k in "${!batch[@]}"; do b2[$k]=${batch[$k]}; done
        replay_batch "$fixed_build" "$dir/replay.log" "${scripts[@]}"; for k in "${!batch[@]}"; do f1[$k]=${batch[$k]}; done
        replay_batch "$fixed_build" "$dir/replay.log" "${scripts[@]}"; for k in "${!batch[@]}"; do f2[$k]=${batch[$k]}; done
    fi
    total=0; n_found=0; n_fixed=0; n_norepro=0; n_flaky=0; n_error=0
    best_name=""; best_actions=""; best_seconds=""; best_key=""; by_check=0; by_diff=0
    while IFS=$'\t' read -r source name seconds actions scs <&3; do
        total=$((total + 1))
        if [ -z "$scs" ] || [ ! -f "$scs" ]; then
            at_buggy=ERROR; at_fixed=ERROR; bv="missing"; fv="missing"
        else
            v1=${b1[$scs]:-ERROR}; v2=${b2[$scs]:-ERROR}; w1=${f1[$scs]:-ERROR}; w2=${f2[$scs]:-ERROR}
            at_buggy=$(both "$v1" "$v2"); at_fixed=$(both "$w1" "$w2")
            bv="$v1,$v2"; fv="$w1,$w2"
        fi
        class=$(classify "$at_buggy" "$at_fixed")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$source" "$name" "$seconds" "$actions" "$bv" "$fv" "$class" "$scs" >> "$dir/validation.tsv"
        case "$class" in
            found)
                n_found=$((n_found + 1))
                [ "$source" = check ] && by_check=1
                [ "$source" = diff ] && by_diff=1
                key=$(sort_seconds "$seconds")
                if [ -z "$best_key" ] || awk -v a="$key" -v b="$best_key" 'BEGIN { exit !(a < b) }'; then
                    best_key=$key; best_name=$name; best_actions=$actions; best_seconds=$seconds
                    [ "$source" = diff ] && best_name="diff: $name"
                fi
                ;;
            also-at-fixed) n_fixed=$((n_fixed + 1)) ;;
            not-reproduced) n_norepro=$((n_norepro + 1)) ;;
            flaky) n_flaky=$((n_flaky + 1)) ;;
            *) n_error=$((n_error + 1)) ;;
        esac
    done 3< "$dir/findings.all"
    [ "$n_error" = 0 ] || notes+=("$n_error could not be replayed (see $dir/replay.log)")

    # 5. The row
    case "$by_check$by_diff" in 10) by="check" ;; 01) by="diff" ;; 11) by="both" ;; *) by="—" ;; esac
    [ "$n_found" = 0 ] || bugs_found=$((bugs_found + 1))
    note=""
    for n in "${notes[@]}"; do note+="${note:+; }$n"; done
    write_row "$id" "$by" "${best_name:-—}" "${best_actions:-—}" "${best_seconds:-—}" \
        "$total" "$n_found" "$n_fixed" "$n_norepro" "$n_flaky" "$note"
done

echo "$bugs_found of $bugs_run found"
echo "results: $out/results.tsv" >&2
if [ -n "$min_found" ] && [ "$bugs_found" -lt "$min_found" ]; then
    echo "prosody_bugs.sh: $bugs_found found, fewer than --min-found $min_found" >&2
    exit 1
fi
exit 0
