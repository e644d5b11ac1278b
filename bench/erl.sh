#!/bin/bash
# bench/erl.sh: issue 4's comparison, its stock-erl side: zerg (release build) serving
# guest/apps/zerg_web with a fresh stock erl instance per connection, configs/erl.json's guest
# (beam.smp exec'd directly, build/images/erl as /image, seccomp profile "erl"). Run by
# bench/run.sh (make bench) after its own phases; prints its own table. zvm's column comes when
# VM part 2 can serve the same application.
#
# Phases: cold cycle (sequential connections to /json, each a fresh instance, connect ->
# response complete), then the sustained rate (concurrent connections for a fixed time). During
# the rate phase a sampler reads VmHWM (peak resident set) of every live instance from /proc,
# found through /instances; the table gives the median and the maximum over the instances seen.
#
# Knobs: BENCH_ERL_CYCLES=100  BENCH_ERL_RATE_C=2  BENCH_ERL_RATE_S=10
# Every process it starts is stopped on exit (trap). Exit 0 when every phase ran and zerg
# stopped cleanly.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BENCH_BIN:-$root/build/bin}
results=$root/bench/results
CYCLES=${BENCH_ERL_CYCLES:-100}
RATE_C=${BENCH_ERL_RATE_C:-2}
RATE_S=${BENCH_ERL_RATE_S:-10}
WARMUP=5

die() {
    echo "bench/erl.sh: $*" >&2
    exit 1
}
for f in "$bin/zerg" "$bin/zbench" "$root/build/images/erl-vm/beam.smp" \
    "$root/build/images/erl/lib/zerg_web/ebin/zerg_web.beam"; do
    [ -e "$f" ] || die "$f is missing: run make first"
done
mkdir -p "$results"
work=$(mktemp -d /tmp/zerg-bench-erl.XXXXXX)
zerg_pid=""
sampler_pid=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for p in $sampler_pid $zerg_pid; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in $sampler_pid $zerg_pid; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r PORT ADMIN < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')

# configs/erl.json with this bench's ports, state dir and uid range; with ROOTFS=off, host paths
# instead of /image (stock erts cannot start in a root without /dev/null: README of zerg_web).
write_config() { # ROOTFS(on|off)
    python3 - "$root" "$work" "$PORT" "$ADMIN" "$1" <<'EOF'
import json, sys
root, work, port, admin, rootfs = sys.argv[1:]
cfg = json.load(open(root + "/configs/erl.json"))
image = root + "/build/images/erl"
cfg["daemon"] = {"id": "bench-erl", "state_dir": work + "/state", "log_level": "info"}
cfg["proxy"]["listen"] = "127.0.0.1:" + port
cfg["admin"]["listen"] = "127.0.0.1:" + admin
cfg["limits"].update({"max_instances": 8, "queue_length": 64, "queue_timeout_ms": 30000,
                      "boot_timeout_ms": 10000, "per_client_max": 64})
g = cfg["guest"]
g["command"][0] = root + "/build/images/erl-vm/beam.smp"
g["image"] = image
if rootfs == "off":
    g["command"] = [a.replace("/image", image, 1) if a.startswith("/image") else a
                    for a in g["command"]]
    g["env"] = [e.replace("=/image", "=" + image) for e in g["env"]]
    cfg["sandbox"]["off"] = ["rootfs"]
cfg["sandbox"]["uid_base"] = 2100020000
cfg["sandbox"]["gid"] = 2100020000
json.dump(cfg, open(work + "/erl.json", "w"), indent=2)
EOF
    "$bin/zerg" check-config "$work/erl.json" >/dev/null || die "bench configuration rejected"
}

start_zerg() {
    "$bin/zerg" serve -c "$work/erl.json" >"$results/erl.log" 2>&1 &
    zerg_pid=$!
    for _ in $(seq 200); do
        grep -q 'event=listening' "$results/erl.log" && return 0
        kill -0 "$zerg_pid" 2>/dev/null || die "zerg exited at start: $(tail -n 5 "$results/erl.log")"
        sleep 0.05
    done
    die "zerg did not start listening"
}

stop_zerg() {
    local rc=0
    kill -TERM "$zerg_pid"
    wait "$zerg_pid" || rc=$?
    zerg_pid=""
    return $rc
}

warm() { # -> 0 when WARMUP requests were all answered 200
    "$bin/zbench" cycle -n "$WARMUP" -p "$PORT" -P /json -T 15000 >"$work/warm.summary"
    grep -q "^status_200=$WARMUP$" "$work/warm.summary"
}

rootfs=on
write_config on
start_zerg
if ! warm; then
    # Every piece on did not serve: the guest's root without /dev/null (see the README).
    stop_zerg || true
    rootfs=off
    write_config off
    start_zerg
    warm || die "stock erl instances do not serve (see $results/erl.log)"
fi
cp "$work/erl.json" "$results/config-erl.json"

# Peak RSS: VmHWM of every live instance, sampled every 20 ms, the last value per pid kept.
python3 - "$ADMIN" "$results/erl-vmhwm.txt" <<'EOF' &
import json, sys, time, urllib.request, signal
admin, out = sys.argv[1], sys.argv[2]
seen = {}
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
while running:
    try:
        j = json.load(urllib.request.urlopen("http://127.0.0.1:%s/instances" % admin, timeout=2))
        for i in j["instances"]:
            pid = (i.get("process") or {}).get("pid")
            if not pid:
                continue
            try:
                for line in open("/proc/%d/status" % pid):
                    if line.startswith("VmHWM:"):
                        seen[pid] = max(seen.get(pid, 0), int(line.split()[1]))
            except OSError:
                pass
    except Exception:
        pass
    time.sleep(0.02)
with open(out, "w") as f:
    for pid, kb in sorted(seen.items()):
        f.write("%d %d\n" % (pid, kb))
EOF
sampler_pid=$!

busy() { head -n 1 /proc/stat; }
b0=$(busy)
"$bin/zbench" cycle -n "$CYCLES" -p "$PORT" -P /json -T 15000 -l erl-cycle \
    -o "$results/erl-cycle.csv" >"$results/erl-cycle.summary"
"$bin/zbench" rate -c "$RATE_C" -t "$RATE_S" -p "$PORT" -P /json -T 15000 -l erl-rate \
    -o "$results/erl-rate.csv" >"$results/erl-rate.summary"
b1=$(busy)
kill -TERM "$sampler_pid"
wait "$sampler_pid" || true
sampler_pid=""
stop_zerg || die "zerg exited with an error after SIGTERM (see $results/erl.log)"

python3 - "$results" "$rootfs" "$CYCLES" "$RATE_C" "$RATE_S" "$b0" "$b1" <<'EOF' | tee "$results/erl-summary.txt"
import sys, statistics
res, rootfs, cycles, rate_c, rate_s, b0, b1 = sys.argv[1:]
def summary(name):
    d = {}
    for line in open("%s/%s.summary" % (res, name)):
        k, _, v = line.strip().partition("=")
        d[k] = v
    return d
c, r = summary("erl-cycle"), summary("erl-rate")
x, y = [int(v) for v in b0.split()[1:]], [int(v) for v in b1.split()[1:]]
tot = sum(y) - sum(x)
idle = (y[3] + y[4]) - (x[3] + x[4])
kb = [int(l.split()[1]) for l in open(res + "/erl-vmhwm.txt") if l.strip()]
pieces = "every piece on" if rootfs == "on" else \
    "every piece on but rootfs (off: the guest's root has no /dev/null, which stock erts needs)"
print("zerg + stock erl instances serving zerg_web (GET /json), sandbox: %s" % pieces)
print("%-34s %s" % ("measure", "zerg + stock erl"))
print("%-34s %s / %s ms (%s answered 200 of %s)" % ("cold cycle p50 / p99", c.get("ok_p50_ms"),
      c.get("ok_p99_ms"), c.get("status_200"), cycles))
print("%-34s %.1f per s (%s concurrent for %s s, %s answered 200)" % (
    "fresh instances per second", float(r.get("status_200", 0)) / float(r.get("elapsed_s", 1)),
    rate_c, rate_s, r.get("status_200")))
if kb:
    print("%-34s %.1f MiB median, %.1f MiB max (VmHWM of %d instances sampled)" % (
        "peak RSS per instance", statistics.median(kb) / 1024, max(kb) / 1024, len(kb)))
else:
    print("%-34s not sampled (no live instance seen)" % "peak RSS per instance")
print("%-34s %.0f%%" % ("machine busy during the phases", 100.0 * (tot - idle) / tot if tot else 0))
print("zvm: its column comes when VM part 2 serves zerg_web (issue 4)")
EOF
