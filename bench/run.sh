#!/bin/bash
# bench/run.sh: what `make bench` runs (after `make all`). docs/bench.md explains every figure.
#
# Starts, each on its own loopback port:
#   zerg        `zerg serve` (release build), process backend, every sandbox piece required,
#               sandbox.netns "shared"
#   zerg-pi     the same with sandbox.netns "per-instance" (only to compare the two netns modes)
#   peer        zbench-inetd: plain fork/exec per connection, no sandbox, same fixture guest
#               (-s: each child in its own session, as zerg's guests, so that the scheduler's
#               autogroups treat both alike; see bench/inetd_peer.c)
#   guests      (bench/guests.sh, after the rest) zerg serving guest/apps/zerg_web with zvm
#               instances and with stock erl instances: issue 4's comparison, its own table
# then measures with zbench, phase by phase (cycle: 1000 sequential connections; rate: 8
# concurrent for 10 s; spike: 500 at once), slices each daemon's log per phase, and hands
# everything to bench/report.py, which prints the summary table (every quoted figure comes from
# it) and writes the CSVs; gnuplot draws bench/results/bench.png.
#
# Environment knobs (defaults are what the table in docs/bench.md was made with):
#   BENCH_CYCLES=1000  BENCH_RATE_C=8  BENCH_RATE_S=10  BENCH_SPIKE=500
# Everything it started is stopped on exit, failure or interrupt (trap). Exit status 0 when every
# phase ran and every daemon stopped cleanly; 1 otherwise (the reason is printed).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BENCH_BIN:-$root/build/bin} # programs under test (make puts them in build/bin)
results=$root/bench/results
CYCLES=${BENCH_CYCLES:-1000}
RATE_C=${BENCH_RATE_C:-8}
RATE_S=${BENCH_RATE_S:-10}
SPIKE=${BENCH_SPIKE:-500}
WARMUP=20

# Limits of the bench configuration: sized so that a spike of $SPIKE is absorbed (queued, not
# refused): instances beyond max_instances wait in the queue up to queue_timeout_ms.
MAX_INSTANCES=128
QUEUE_LENGTH=1024
QUEUE_TIMEOUT_MS=10000
BOOT_TIMEOUT_MS=5000
PER_CLIENT_MAX=1024 # every bench connection comes from 127.0.0.1

die() {
    echo "bench: $*" >&2
    exit 1
}

for prog in zerg zerg-fixture-guest zbench zbench-inetd; do
    [ -x "$bin/$prog" ] || die "$bin/$prog is missing: run make first"
done
for tool in python3 curl gnuplot; do
    command -v "$tool" >/dev/null || die "$tool is missing: run make deps"
done

work=$(mktemp -d /tmp/zerg-bench.XXXXXX)
mkdir -p "$results"
rm -f "$results"/*.csv "$results"/*.log "$results"/*.summary "$results"/*.json \
    "$results"/*.dat "$results"/*.env "$results"/*.txt "$results"/*.png

# --- cleanup: every process this script started, by pid ----------------------------------------
declare -A pids=()
cleanup() {
    local rc=$? name pid kids
    trap - EXIT INT TERM
    for name in "${!pids[@]}"; do
        pid=${pids[$name]}
        kill -0 "$pid" 2>/dev/null || continue
        kids=$(pgrep -P "$pid" || true) # the peer's children (zerg's guests die with zerg)
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" $kids 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- ports: five distinct free loopback ports ---------------------------------------------------
read -r P_ZERG A_ZERG P_ZPI A_ZPI P_PEER < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(5)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss:
    s.close()')

# Guest uids: uid_base + slot. The kernel counts processes per uid machine-wide (RLIMIT_NPROC,
# here 1), so each bench daemon gets a base of its own, far from the default 900000 that other
# daemons on this machine (a test suite running meanwhile) use.
write_config() { # NAME PORT ADMIN_PORT NETNS UID_BASE
    cat >"$work/$1.json" <<EOF
{
    "daemon": {"id": "bench-$1", "state_dir": "$work/state-$1", "log_level": "info"},
    "proxy": {"listen": "127.0.0.1:$2", "max_head_bytes": 16384, "head_timeout_ms": 5000,
              "max_connections": 4096, "handoff": "fd", "drain_timeout_ms": 5000},
    "admin": {"listen": "127.0.0.1:$3"},
    "limits": {"max_instances": $MAX_INSTANCES, "queue_length": $QUEUE_LENGTH,
               "queue_timeout_ms": $QUEUE_TIMEOUT_MS, "boot_timeout_ms": $BOOT_TIMEOUT_MS,
               "serve_timeout_ms": 30000, "memory_mb": 64, "per_client_max": $PER_CLIENT_MAX},
    "backend": {"type": "process"},
    "guest": {"command": ["$bin/zerg-fixture-guest"], "profile": "fixture"},
    "sandbox": {"netns": "$4", "uid_base": $5}
}
EOF
    "$bin/zerg" check-config "$work/$1.json" >/dev/null || die "bench configuration $1 rejected"
    cp "$work/$1.json" "$results/config-$1.json"
}

start_zerg() { # NAME
    "$bin/zerg" serve -c "$work/$1.json" >"$results/$1.log" 2>&1 &
    pids[$1]=$!
}

wait_listening() { # NAME
    for _ in $(seq 200); do
        grep -q 'event=listening' "$results/$1.log" 2>/dev/null && return 0
        kill -0 "${pids[$1]}" 2>/dev/null || {
            tail -n 20 "$results/$1.log" >&2
            die "$1 exited at start"
        }
        sleep 0.05
    done
    die "$1 did not start listening within 10 s"
}

# zerg: live and queued both 0 in /metrics. The reaped line is logged as the state changes.
wait_idle_zerg() { # ADMIN_PORT
    local m
    for _ in $(seq 600); do
        m=$(curl -s --max-time 2 "http://127.0.0.1:$1/metrics" || true)
        if grep -q '^zerg_instances_live 0$' <<<"$m" && ! grep -q '^zerg_queue_length [1-9]' <<<"$m"; then
            return 0
        fi
        sleep 0.05
    done
    die "zerg on admin port $1 still has live instances 30 s after a phase"
}

# the peer: its last line is event=idle once every child is reaped
wait_idle_peer() {
    for _ in $(seq 600); do
        [ "$(tail -n 1 "$results/peer.log" | grep -c 'event=idle\|event=listening')" = 1 ] &&
            [ -z "$(pgrep -P "${pids[peer]}" || true)" ] && return 0
        sleep 0.05
    done
    die "the peer still has children 30 s after a phase"
}

# One phase: zbench against a daemon; the daemon's log lines of that phase go to PHASE.log.
# How busy the whole machine was during a phase (all CPUs, /proc/stat), zerg and peer included:
# on a shared machine, other work shows up here and explains noisy figures.
cpu_sample() {
    head -n 1 /proc/stat
}
busy_percent() { # SAMPLE_BEFORE SAMPLE_AFTER
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " "); split(b, y, " ")
        for (i = 2; i <= n; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
        printf "%.0f", (total > 0 ? 100 * (total - idle) / total : 0) }'
}

# CPU time of a daemon and of its reaped children (its guests), in clock ticks: utime, stime,
# cutime and cstime of /proc/PID/stat. Unlike wall-clock latency, hardly moved by other work.
daemon_ticks() { # PID
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 + $14 + $15 }'
}

phase() { # DAEMON PORT PHASE_NAME zbench-args...
    local daemon=$1 port=$2 name=$3 from to cpu0 ticks0
    shift 3
    from=$(stat -c %s "$results/$daemon.log")
    cpu0=$(cpu_sample)
    ticks0=$(daemon_ticks "${pids[$daemon]}")
    # In the background, so that a signal to this script is acted on at once (bash runs traps
    # only between commands, and `wait` is one it interrupts).
    "$bin/zbench" "$@" -p "$port" -l "$name" -o "$results/$name.csv" >"$results/$name.summary" &
    pids[zbench]=$!
    wait "${pids[zbench]}" || die "zbench failed in phase $name"
    unset "pids[zbench]"
    case $daemon in
    peer) wait_idle_peer ;;
    zerg) wait_idle_zerg "$A_ZERG" ;;
    zerg-pi) wait_idle_zerg "$A_ZPI" ;;
    esac
    echo "busy_$name=$(busy_percent "$cpu0" "$(cpu_sample)")" >>"$results/meta.env"
    echo "cpu_ms_$name=$((($(daemon_ticks "${pids[$daemon]}") - ticks0) * 1000 / $(getconf CLK_TCK)))" \
        >>"$results/meta.env"
    to=$(stat -c %s "$results/$daemon.log")
    tail -c +$((from + 1)) "$results/$daemon.log" | head -c $((to - from)) >"$results/$name.log"
    awk -F= -v name="$name" '{ v[$1] = $2 }
        END { printf "  %-14s %6d connections in %6.2f s, %6d answered 200, machine %s%% busy\n",
              name, v["connections"], v["elapsed_s"], v["status_200"], busy }' \
        busy="$(sed -n "s/^busy_$name=//p" "$results/meta.env")" "$results/$name.summary"
}

# /instances while one instance is serving: what the sandbox really applied to it.
probe_sandbox() { # DAEMON PORT ADMIN_PORT
    local zb j=""
    "$bin/zbench" cycle -n 1 -p "$2" -P '/__fixture/sleep?ms=1500' -l probe >/dev/null &
    zb=$!
    for _ in $(seq 100); do
        j=$(curl -s --max-time 2 "http://127.0.0.1:$3/instances" || true)
        grep -q '"state":"serving"' <<<"$j" && break
        j=""
        sleep 0.02
    done
    wait "$zb" || true
    [ -n "$j" ] || die "$1: no serving instance seen in /instances"
    printf '%s\n' "$j" >"$results/$1-instances.json"
    wait_idle_zerg "$3"
}

vmhwm_kb() { # PID
    awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

stop_daemon() { # NAME -> its exit status in $results/meta.env
    local pid=${pids[$1]} rc=0
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    unset "pids[$1]"
    echo "exit_$1=$rc" >>"$results/meta.env"
    [ "$rc" = 0 ] || echo "bench: $1 exited with status $rc after SIGTERM (see $results/$1.log)" >&2
}

# --- the run ------------------------------------------------------------------------------------
{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc=$(nproc)"
    echo "kernel=$(uname -r)"
    echo "sched_autogroup=$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo n/a)"
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "cycles=$CYCLES"
    echo "rate_c=$RATE_C"
    echo "rate_s=$RATE_S"
    echo "spike=$SPIKE"
    echo "max_instances=$MAX_INSTANCES"
    echo "queue_length=$QUEUE_LENGTH"
    echo "queue_timeout_ms=$QUEUE_TIMEOUT_MS"
    echo "boot_timeout_ms=$BOOT_TIMEOUT_MS"
    echo "per_client_max=$PER_CLIENT_MAX"
} >"$results/meta.env"

write_config zerg "$P_ZERG" "$A_ZERG" shared 2100000000
write_config zerg-pi "$P_ZPI" "$A_ZPI" per-instance 2100010000
start_zerg zerg
start_zerg zerg-pi
"$bin/zbench-inetd" -p "$P_PEER" -g "$bin/zerg-fixture-guest" -l 900 -s >"$results/peer.log" 2>&1 &
pids[peer]=$!
wait_listening zerg
wait_listening zerg-pi
wait_listening peer
echo "bench: zerg on 127.0.0.1:$P_ZERG (admin $A_ZERG), zerg per-instance netns on" \
    "127.0.0.1:$P_ZPI (admin $A_ZPI), fork/exec peer on 127.0.0.1:$P_PEER; results in $results"

for d in zerg:$P_ZERG:$A_ZERG zerg-pi:$P_ZPI:$A_ZPI; do
    IFS=: read -r name port admin <<<"$d"
    "$bin/zbench" cycle -n "$WARMUP" -p "$port" >"$results/$name-warmup.summary"
    grep -q "^status_200=$WARMUP$" "$results/$name-warmup.summary" || {
        cat "$results/$name-warmup.summary" >&2
        tail -n 20 "$results/$name.log" >&2
        die "$name does not serve: warm-up requests failed (is every sandbox piece available?)"
    }
    probe_sandbox "$name" "$port" "$admin"
done
"$bin/zbench" cycle -n "$WARMUP" -p "$P_PEER" >"$results/peer-warmup.summary"
grep -q "^status_200=$WARMUP$" "$results/peer-warmup.summary" || die "the peer does not serve"
wait_idle_peer

# zerg and the peer alternate, so that both see the machine in the same state.
echo "bench: phases"
phase zerg "$P_ZERG" zerg-cycle cycle -n "$CYCLES"
phase peer "$P_PEER" peer-cycle cycle -n "$CYCLES"
phase zerg "$P_ZERG" zerg-rate rate -c "$RATE_C" -t "$RATE_S"
phase peer "$P_PEER" peer-rate rate -c "$RATE_C" -t "$RATE_S"
phase zerg "$P_ZERG" zerg-spike spike -n "$SPIKE" -T 30000
phase peer "$P_PEER" peer-spike spike -n "$SPIKE" -T 30000
echo "vmhwm_kb_zerg=$(vmhwm_kb "${pids[zerg]}")" >>"$results/meta.env"
echo "vmhwm_kb_peer=$(vmhwm_kb "${pids[peer]}")" >>"$results/meta.env"
stop_daemon zerg
stop_daemon peer

# Per-instance netns last: the kernel tears net namespaces down asynchronously, and that work
# must not land in the other phases.
phase zerg-pi "$P_ZPI" zerg-pi-cycle cycle -n "$CYCLES"
phase zerg-pi "$P_ZPI" zerg-pi-rate rate -c "$RATE_C" -t "$RATE_S"
echo "vmhwm_kb_zerg_pi=$(vmhwm_kb "${pids[zerg-pi]}")" >>"$results/meta.env"
stop_daemon zerg-pi

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$results/meta.env"
python3 "$root/bench/report.py" "$results" | tee "$results/summary.txt"
gnuplot -e "dir='$results'" "$root/bench/plot.gp" || die "gnuplot failed"
echo "bench: plot $results/bench.png, summary $results/summary.txt"
# Issue 4's comparison: zerg_web served by zvm instances and by stock erl instances (own table).
bash "$root/bench/guests.sh" || die "bench/guests.sh failed"
grep -q '^exit_.*=[^0]' "$results/meta.env" && die "a daemon did not stop cleanly (see above)"
exit 0
