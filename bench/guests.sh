#!/bin/bash
# bench/guests.sh: issue 4's comparison. zerg (release build) serving guest/apps/zerg_web with a
# fresh instance per connection, three times in one run with the same phases: (a) zvm
# instances, configs/local.json's guest (zvm-static started from the image's snapshot,
# build/images/zvm as /image, seccomp profile "zvm"); (b) stock erl instances, configs/erl.json's
# guest (beam.smp exec'd directly, build/images/erl as /image, seccomp profile "erl"); (c) the C
# fixture guest (the test double: static, no VM) with local.json's sandbox, which is the floor
# of a fresh sandboxed process per connection on the machine. Run by bench/run.sh (make bench)
# after its own phases; prints its own table with the ratios between zvm and erl.
#
# Phases per guest: cold cycle (sequential connections to /json, each a fresh instance, connect
# -> response complete), then the sustained rate (concurrent connections for a fixed time).
# Meanwhile a sampler reads VmHWM (peak resident set) and RssAnon (private memory) of every
# live instance from /proc, found through /instances; the table gives medians and maxima.
#
# Knobs: BENCH_GUEST_CYCLES=100  BENCH_GUEST_RATE_C=2  BENCH_GUEST_RATE_S=10
# Every process it starts is stopped on exit (trap). Exit 0 when every phase ran and zerg
# stopped cleanly.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BENCH_BIN:-$root/build/bin}
results=$root/bench/results
CYCLES=${BENCH_GUEST_CYCLES:-100}
RATE_C=${BENCH_GUEST_RATE_C:-2}
RATE_S=${BENCH_GUEST_RATE_S:-10}
WARMUP=5

die() {
    echo "bench/guests.sh: $*" >&2
    exit 1
}
for f in "$bin/zerg" "$bin/zbench" "$bin/zvm-static" "$root/build/images/erl-vm/beam.smp" \
    "$root/build/images/erl/lib/zerg_web/ebin/zerg_web.beam" \
    "$root/build/images/zvm/lib/zerg_web/ebin/zerg_web.beam"; do
    [ -e "$f" ] || die "$f is missing: run make first"
done
mkdir -p "$results"
work=$(mktemp -d /tmp/zerg-bench-guests.XXXXXX)
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

# The guest's configuration (configs/local.json for zvm and for the C fixture guest,
# configs/erl.json for erl) with this
# bench's ports, state directory and uid range, every sandbox piece required; with ROOTFS=off,
# host paths instead of /image for stock erl (its erts cannot start in a root without /dev/null:
# zerg_web's README); zvm names its code relatively (its working directory is its image).
write_config() { # GUEST(zvm|erl|fixture) ROOTFS(on|off)
    python3 - "$root" "$work" "$PORT" "$ADMIN" "$1" "$2" <<'PYEOF'
import json, sys
root, work, port, admin, guest, rootfs = sys.argv[1:]
if guest == "zvm":
    cfg = json.load(open(root + "/configs/local.json"))
    image, exe = root + "/build/images/zvm", root + "/build/bin/zvm-static"
elif guest == "fixture":
    cfg = json.load(open(root + "/configs/local.json"))
    image, exe = root + "/build/images/zvm", root + "/build/bin/zerg-fixture-guest"
    cfg["guest"]["command"] = [exe]
    cfg["guest"]["profile"] = "fixture"
else:
    cfg = json.load(open(root + "/configs/erl.json"))
    image, exe = root + "/build/images/erl", root + "/build/images/erl-vm/beam.smp"
cfg["daemon"] = {"id": "bench-" + guest, "state_dir": work + "/state", "log_level": "info"}
cfg["proxy"]["listen"] = "127.0.0.1:" + port
cfg["admin"]["listen"] = "127.0.0.1:" + admin
cfg["limits"].update({"max_instances": 8, "queue_length": 64, "queue_timeout_ms": 30000,
                      "boot_timeout_ms": 10000, "per_client_max": 64})
g = cfg["guest"]
g["command"][0] = exe
g["image"] = image
cfg["sandbox"].pop("optional", None)
if rootfs == "off":
    g["command"] = [a.replace("/image", image, 1) if a.startswith("/image") else a
                    for a in g["command"]]
    g["env"] = [e.replace("=/image", "=" + image) for e in g.get("env", [])]
    cfg["sandbox"]["off"] = ["rootfs"]
cfg["sandbox"]["uid_base"] = 2100020000
cfg["sandbox"]["gid"] = 2100020000
json.dump(cfg, open(work + "/" + guest + ".json", "w"), indent=2)
PYEOF
    "$bin/zerg" check-config "$work/$1.json" >/dev/null || die "bench configuration for $1 rejected"
}

start_zerg() { # GUEST
    "$bin/zerg" serve -c "$work/$1.json" >"$results/$1.log" 2>&1 &
    zerg_pid=$!
    for _ in $(seq 200); do
        grep -q 'event=listening' "$results/$1.log" && return 0
        kill -0 "$zerg_pid" 2>/dev/null || die "zerg exited at start: $(tail -n 5 "$results/$1.log")"
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

busy() { head -n 1 /proc/stat; }

# Peak RSS: VmHWM of every live instance, sampled every 20 ms, the highest value per pid kept;
# beside it the highest private memory seen (RssAnon: what the instance does not share with
# the others; file pages such as the binary's text and zvm's snapshot are shared through the
# page cache but count in VmHWM).
start_sampler() { # OUT
    python3 - "$ADMIN" "$1" <<'PYEOF' &
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
                    for n, key in enumerate(("VmHWM:", "RssAnon:")):
                        if line.startswith(key):
                            old = seen.get(pid, [0, 0])
                            old[n] = max(old[n], int(line.split()[1]))
                            seen[pid] = old
            except OSError:
                pass
    except Exception:
        pass
    time.sleep(0.02)
with open(out, "w") as f:
    for pid, (hwm, anon) in sorted(seen.items()):
        f.write("%d %d %d\n" % (pid, hwm, anon))
PYEOF
    sampler_pid=$!
}

: >"$work/meta.env"
run_guest() { # GUEST
    local g=$1 rootfs=on b0 b1
    write_config "$g" on
    start_zerg "$g"
    if ! warm; then
        # stock erl with every piece on does not serve: its root has no /dev/null (README).
        [ "$g" = erl ] || die "$g instances do not serve (see $results/$g.log)"
        stop_zerg || true
        rootfs=off
        write_config "$g" off
        start_zerg "$g"
        warm || die "$g instances do not serve (see $results/$g.log)"
    fi
    cp "$work/$g.json" "$results/config-$g.json"
    start_sampler "$results/$g-vmhwm.txt"
    b0=$(busy)
    "$bin/zbench" cycle -n "$CYCLES" -p "$PORT" -P /json -T 15000 -l "$g-cycle" \
        -o "$results/$g-cycle.csv" >"$results/$g-cycle.summary"
    "$bin/zbench" rate -c "$RATE_C" -t "$RATE_S" -p "$PORT" -P /json -T 15000 -l "$g-rate" \
        -o "$results/$g-rate.csv" >"$results/$g-rate.summary"
    b1=$(busy)
    kill -TERM "$sampler_pid"
    wait "$sampler_pid" || true
    sampler_pid=""
    stop_zerg || die "zerg exited with an error after SIGTERM (see $results/$g.log)"
    {
        echo "rootfs_$g=$rootfs"
        echo "busy0_$g='$b0'"
        echo "busy1_$g='$b1'"
    } >>"$work/meta.env"
}
run_guest zvm
run_guest erl
run_guest fixture
. "$work/meta.env"

python3 - "$results" "$CYCLES" "$RATE_C" "$RATE_S" "$rootfs_zvm" "$rootfs_erl" \
    "$busy0_zvm" "$busy1_zvm" "$busy0_erl" "$busy1_erl" "$busy0_fixture" "$busy1_fixture" \
    <<'PYEOF' | tee "$results/guests-summary.txt"
import math, statistics, sys
res, cycles, rate_c, rate_s, rz, rerl = sys.argv[1:7]
marks = dict(zip(("zvm", "erl", "fixture"), zip(sys.argv[7::2], sys.argv[8::2])))
def summary(name):
    d = {}
    for line in open("%s/%s.summary" % (res, name)):
        k, _, v = line.strip().partition("=")
        d[k] = v
    return d
def busy(b0, b1):
    x, y = [int(v) for v in b0.split()[1:]], [int(v) for v in b1.split()[1:]]
    tot = sum(y) - sum(x)
    idle = (y[3] + y[4]) - (x[3] + x[4])
    return 100.0 * (tot - idle) / tot if tot else 0.0
def rss(g, col=1):
    kb = [int(l.split()[col]) for l in open(res + "/%s-vmhwm.txt" % g) if l.strip()]
    return (statistics.median(kb) / 1024, max(kb) / 1024, len(kb)) if kb else None
row = {}
for g in ("zvm", "erl", "fixture"):
    c, r = summary(g + "-cycle"), summary(g + "-rate")
    row[g] = {"p50": float(c.get("ok_p50_ms", "nan")), "p99": float(c.get("ok_p99_ms", "nan")),
              "ok": c.get("status_200", "0"),
              "rate": float(r.get("status_200", 0)) / float(r.get("elapsed_s", 1)),
              "rss": rss(g), "anon": rss(g, 2), "busy": busy(*marks[g])}
z, e, x = row["zvm"], row["erl"], row["fixture"]
def ratio(a, b):
    return "%.1fx" % (a / b) if a and b and not math.isnan(a) and not math.isnan(b) else "-"
pieces = lambda r: "every piece on" if r == "on" else "every piece on but rootfs"
print("zerg_web (GET /json), one fresh instance per connection, %s cold cycles, rate %s "
      "concurrent for %s s" % (cycles, rate_c, rate_s))
print("  zvm: sandbox %s, profile zvm; stock erl: sandbox %s, profile erl;"
      % (pieces(rz), pieces(rerl)))
print("  C fixture: the test double guest (static C, no VM, answers at once), every piece on:")
print("  the floor of a fresh sandboxed process per connection on this machine")
f = "%-33s %-27s %-27s %-27s %s"
print(f % ("measure", "zerg + zvm", "zerg + stock erl", "zerg + C fixture", "erl vs zvm"))
for k, what in (("p50", "cold cycle p50 (ms)"), ("p99", "cold cycle p99 (ms)")):
    print(f % (what, "%.2f" % z[k], "%.2f" % e[k], "%.2f" % x[k],
               ratio(e[k], z[k]) + " (erl/zvm)"))
print(f % ("answered 200 of %s" % cycles, z["ok"], e["ok"], x["ok"], ""))
print(f % ("fresh instances per second", "%.1f" % z["rate"], "%.1f" % e["rate"],
           "%.1f" % x["rate"], ratio(z["rate"], e["rate"]) + " (zvm/erl)"))
show = lambda r: "%.2f MiB (max %.2f, n=%d)" % r if r else "not sampled"
for k, what in (("rss", "peak RSS per instance, median"),
                ("anon", "private memory per inst., median")):
    print(f % (what, show(z[k]), show(e[k]), show(x[k]),
               ratio(e[k][0], z[k][0]) + " (erl/zvm)" if z[k] and e[k] else "-"))
print(f % ("machine busy during the phases", "%.0f%%" % z["busy"], "%.0f%%" % e["busy"],
           "%.0f%%" % x["busy"], ""))
print("zvm's own share of a cold cycle (zvm p50 - C fixture p50): %.2f ms" % (z["p50"] - x["p50"]))
speed = e["p50"] / z["p50"] if z["p50"] else 0
print("issue 4's targets: zvm cold p50 <= 2 ms: %s; >= 60x faster than erl: %s; "
      "<= 4 MiB RSS: %s" % (
          "met" if z["p50"] <= 2 else "not met (%.2f ms; the C fixture's p50: %.2f ms)"
          % (z["p50"], x["p50"]),
          "met (%.1fx)" % speed if speed >= 60 else "not met (%.1fx)" % speed,
          "met" if z["rss"] and z["rss"][0] <= 4 else "not met (peak RSS %.2f MiB, of which "
          "private %.2f)" % (z["rss"][0], z["anon"][0]) if z["rss"] and z["anon"] else "not sampled"))
PYEOF
