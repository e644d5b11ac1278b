#!/usr/bin/python3
"""bench/report.py RESULTS_DIR: the summary table of `make bench` (docs/bench.md explains it).

Reads what bench/run.sh left in RESULTS_DIR:
  meta.env                 machine, limits, peak memory, daemon exit statuses (key=value lines)
  PHASE.summary            zbench's summary of a phase (key=value lines)
  PHASE.csv                zbench's per-connection records of a phase
  PHASE.log                the daemon's log lines written during that phase
  NAME-instances.json      /instances of a daemon while one instance was serving
for the phases zerg-{cycle,rate,spike}, peer-{cycle,rate,spike}, zerg-pi-{cycle,rate}.
Prints the table on stdout and writes summary.csv (figure,zerg,peer,zerg/peer) and the gnuplot
data files *.dat (empirical CDFs). Percentiles are nearest-rank, as zbench computes them.
"""
import csv
import json
import math
import os
import re
import sys

LINE = re.compile(r"\bevent=instance\b")
FIELD = re.compile(r"\b(id|state|boot_ms|cycle_ms|reason)=(\S+)")


def percentile(values, p):
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not values:
        return None
    s = sorted(values)
    rank = max(1, min(len(s), math.ceil(p / 100.0 * len(s))))
    return s[rank - 1]


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, sep, v = line.rstrip("\n").partition("=")
            if sep:
                out[k] = v
    return out


def read_log(path):
    """Per phase: boot_ms of every instance that became ready, cycle_ms of every one of those
    that was reaped, and the failure reasons."""
    ready, boots, cycles, failed = set(), [], [], {}
    with open(path, errors="replace") as f:
        for line in f:
            if not LINE.search(line):
                continue
            kv = dict(FIELD.findall(line))
            state = kv.get("state")
            if state == "ready" and "boot_ms" in kv:
                ready.add(kv.get("id"))
                boots.append(float(kv["boot_ms"]))
            elif state == "reaped" and "cycle_ms" in kv and kv.get("id") in ready:
                cycles.append(float(kv["cycle_ms"]))
            elif state == "failed":
                reason = kv.get("reason", "unknown")
                failed[reason] = failed.get(reason, 0) + 1
    return boots, cycles, failed


def served_ids(path):
    """Instance ids that answered 200 per the client (X-Zerg-Instance)."""
    with open(path) as f:
        return {r["instance"] for r in csv.DictReader(f)
                if r["status"] == "200" and not r["error"] and r["instance"]}


def failed_ids(path):
    out = set()
    with open(path, errors="replace") as f:
        for line in f:
            if LINE.search(line):
                kv = dict(FIELD.findall(line))
                if kv.get("state") == "failed":
                    out.add(kv.get("id"))
    return out


def read_latencies(path):
    with open(path) as f:
        return [float(r["latency_ms"]) for r in csv.DictReader(f)
                if r["status"] == "200" and not r["error"]]


def write_cdf(path, values):
    s = sorted(values)
    with open(path, "w") as f:
        for i, v in enumerate(s, 1):
            f.write("%.3f %.5f\n" % (v, i / len(s)))


def fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, int):
        return str(v)
    return "%.*f" % (digits, v)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


class Report:
    def __init__(self, d):
        self.d = d
        self.meta = read_kv(os.path.join(d, "meta.env"))
        self.rows = []  # (figure, zerg, peer, ratio) for summary.csv

    def summary(self, phase):
        return read_kv(os.path.join(self.d, phase + ".summary"))

    def log(self, phase):
        return read_log(os.path.join(self.d, phase + ".log"))

    def pieces(self, name):
        with open(os.path.join(self.d, name + "-instances.json")) as f:
            j = json.load(f)
        for inst in j.get("instances", []):
            if inst.get("state") == "serving":
                for v in inst.values():
                    if isinstance(v, dict) and "sandbox" in v:
                        return v["sandbox"], v
        return {}, {}

    def row(self, figure, z, p, digits=2, show_ratio=True, inverse=False):
        r = (ratio(p, z) if inverse else ratio(z, p)) if show_ratio else None
        self.rows.append((figure, z, p, r))
        print("%-46s %13s %13s %9s" % (figure, fmt(z, digits), fmt(p, digits),
                                       fmt(r, 2) if show_ratio else ""))

    def row3(self, figure, zs, ps, digits=2):
        """A p50/p90/p99 triple, ratios of each."""
        self.rows.append((figure, "/".join(fmt(v, digits) for v in zs),
                          "/".join(fmt(v, digits) for v in ps),
                          "/".join(fmt(ratio(a, b), 2) for a, b in zip(zs, ps))))
        print("%-46s %13s %13s %9s" % (figure, "/".join(fmt(v, 1) for v in zs),
                                       "/".join(fmt(v, 1) for v in ps),
                                       "/".join(fmt(ratio(a, b), 1) for a, b in zip(zs, ps))))

    def run(self):
        m = self.meta
        pieces, proc = self.pieces("zerg")
        pi_pieces, _ = self.pieces("zerg-pi")
        print()
        print("zerg bench summary  %s  commit %s" % (m.get("date"), m.get("commit")))
        print("machine: %s cores (nproc), kernel %s, %s, sched_autogroup=%s" %
              (m.get("nproc"), m.get("kernel"), m.get("cpu"), m.get("sched_autogroup")))
        on = [k for k, v in pieces.items() if v == "on"]
        not_on = ["%s=%s" % (k, v) for k, v in pieces.items() if v != "on"]
        print("sandbox pieces on (from /instances of a serving zerg instance): %s" %
              (" ".join(on) or "NONE"))
        if not_on:
            print("sandbox pieces NOT on: %s" % " ".join(not_on))
        print("netns: zerg = shared empty namespace; zerg-pi = a fresh one per instance "
              "(zerg-pi pieces on: %d of %d)" %
              (sum(1 for v in pi_pieces.values() if v == "on"), len(pi_pieces)))
        print("limits: max_instances=%s queue_length=%s queue_timeout_ms=%s boot_timeout_ms=%s "
              "per_client_max=%s; hand-off fd; guest: zerg-fixture-guest (static, test double)"
              % (m.get("max_instances"), m.get("queue_length"), m.get("queue_timeout_ms"),
                 m.get("boot_timeout_ms"), m.get("per_client_max")))
        print("peer: zbench-inetd -s, fork/exec per connection, same guest and contract, no "
              "sandbox (only setsid, for equal scheduling)")
        busy = " ".join("%s=%s%%" % (k[5:], v) for k, v in m.items() if k.startswith("busy_"))
        print("machine load: loadavg %s at start, %s at end; CPU busy per phase (whole machine, "
              "all cores): %s" % (m.get("loadavg_start"), m.get("loadavg_end"), busy))
        # A cycle phase alone keeps at most about one core busy (client, daemon and guest take
        # turns): much more than that is other work on the machine.
        crowded = [k[5:] for k, v in m.items() if k.startswith("busy_") and k.endswith("-cycle")
                   and v and int(v) > 100 * 0.75]
        if crowded:
            print("WARNING: the machine was busy with other work during %s (>75%% of all cores "
                  "in a sequential phase): latencies are inflated and zerg/peer ratios noisy; "
                  "the CPU-per-connection rows are the steadier comparison" % " ".join(crowded))
        print()
        print("%-46s %13s %13s %9s" % ("figure (ms unless said)", "zerg", "peer", "zerg/peer"))
        print("-" * 84)

        zc, pc = self.summary("zerg-cycle"), self.summary("peer-cycle")
        zboot, zcyc, zfail = self.log("zerg-cycle")
        pboot, pcyc, pfail = self.log("peer-cycle")
        trip = (50, 90, 99)
        n = m.get("cycles")
        self.row3("spawn->ready p50/p90/p99 (cycle phase)",
                  [percentile(zboot, q) for q in trip], [percentile(pboot, q) for q in trip])
        self.row3("cold cycle client p50/p90/p99 (n=%s)" % n,
                  [float(zc[k]) for k in ("ok_p50_ms", "ok_p90_ms", "ok_p99_ms")],
                  [float(pc[k]) for k in ("ok_p50_ms", "ok_p90_ms", "ok_p99_ms")])
        self.row3("cold cycle server requested->reaped p50/90/99",
                  [percentile(zcyc, q) for q in trip], [percentile(pcyc, q) for q in trip])
        self.row("cycle: answered 200 of %s" % n, int(zc["status_200"]), int(pc["status_200"]),
                 show_ratio=False)
        self.row("cycle: distinct instances", int(zc["distinct_instances"]),
                 int(pc["distinct_instances"]), show_ratio=False)
        self.row("cycle: reaped after ready (log)", len(zcyc), len(pcyc), show_ratio=False)

        zr, pr = self.summary("zerg-rate"), self.summary("peer-rate")
        label = "rate C=%s %ss" % (m.get("rate_c"), m.get("rate_s"))
        self.row("%s: fresh instances/s" % label, float(zr["ok_per_s"]), float(pr["ok_per_s"]),
                 digits=1)
        self.row3("%s: client p50/p90/p99" % label,
                  [float(zr[k]) for k in ("ok_p50_ms", "ok_p90_ms", "ok_p99_ms")],
                  [float(pr[k]) for k in ("ok_p50_ms", "ok_p90_ms", "ok_p99_ms")])
        self.row("%s: not 200 (status or error)" % label,
                 int(zr["connections"]) - int(zr["status_200"]),
                 int(pr["connections"]) - int(pr["status_200"]), show_ratio=False)

        zs, ps = self.summary("zerg-spike"), self.summary("peer-spike")
        label = "spike %s" % m.get("spike")
        self.row("%s: answered 200" % label, int(zs["status_200"]), int(ps["status_200"]),
                 show_ratio=False)
        for key in ("status_502", "status_503", "status_other", "err_refused", "err_reset",
                    "err_timeout", "err_closed", "err_truncated", "err_bad_response",
                    "err_other"):
            self.row("%s: %s" % (label, key), int(zs[key]), int(ps[key]), show_ratio=False)
        self.row("%s: p50 of the 200s" % label, float(zs.get("ok_p50_ms", "nan")),
                 float(ps.get("ok_p50_ms", "nan")))
        self.row("%s: p99 of the 200s" % label, float(zs.get("ok_p99_ms", "nan")),
                 float(ps.get("ok_p99_ms", "nan")))
        self.row("%s: time to absorb (s)" % label, float(zs["elapsed_s"]),
                 float(ps["elapsed_s"]), digits=3)
        for ph in ("cycle", "rate", "spike"):
            z = len(served_ids(os.path.join(self.d, "zerg-%s.csv" % ph)) &
                    failed_ids(os.path.join(self.d, "zerg-%s.log" % ph)))
            p = len(served_ids(os.path.join(self.d, "peer-%s.csv" % ph)) &
                    failed_ids(os.path.join(self.d, "peer-%s.log" % ph)))
            self.row("%s: logged failed, yet client got 200" % ph, z, p, show_ratio=False)
        for ph in ("cycle", "rate", "spike"):
            zs_, ps_ = self.summary("zerg-" + ph), self.summary("peer-" + ph)
            self.row("%s: CPU ms per connection (daemon+guests)" % ph,
                     int(m["cpu_ms_zerg-" + ph]) / max(1, int(zs_["connections"])),
                     int(m["cpu_ms_peer-" + ph]) / max(1, int(ps_["connections"])))
        self.row("peak memory VmHWM (MiB)", int(m["vmhwm_kb_zerg"]) / 1024.0,
                 int(m["vmhwm_kb_peer"]) / 1024.0, digits=1)
        if zfail or pfail:
            print("cycle failures by reason: zerg %s, peer %s" % (zfail, pfail))

        print()
        print("net namespace: shared vs per-instance (two zerg daemons, same run)")
        print("%-46s %13s %13s %9s" % ("figure (ms unless said)", "shared", "per-inst", "pi/shared"))
        print("-" * 84)
        piboot, picyc, _ = self.log("zerg-pi-cycle")
        pic, pir = self.summary("zerg-pi-cycle"), self.summary("zerg-pi-rate")
        rows_before = len(self.rows)
        self.row("spawn->ready p50 (cycle phase)", percentile(zboot, 50), percentile(piboot, 50), inverse=True)
        self.row("spawn->ready p99 (cycle phase)", percentile(zboot, 99), percentile(piboot, 99), inverse=True)
        self.row("cold cycle client p50", float(zc["ok_p50_ms"]), float(pic["ok_p50_ms"]), inverse=True)
        self.row("cold cycle client p99", float(zc["ok_p99_ms"]), float(pic["ok_p99_ms"]), inverse=True)
        self.row("rate: fresh instances/s", float(zr["ok_per_s"]), float(pir["ok_per_s"]),
                 digits=1, inverse=True)
        self.row("cycle: CPU ms per connection (daemon+guests)",
                 int(m["cpu_ms_zerg-cycle"]) / max(1, int(zc["connections"])),
                 int(m["cpu_ms_zerg-pi-cycle"]) / max(1, int(pic["connections"])), inverse=True)
        self.row("cycle: answered 200 of %s" % n, int(zc["status_200"]), int(pic["status_200"]),
                 show_ratio=False)
        self.row("rate: not 200 (status or error)",
                 int(zr["connections"]) - int(zr["status_200"]),
                 int(pir["connections"]) - int(pir["status_200"]), show_ratio=False)
        _, _, pifail = self.log("zerg-pi-cycle")
        _, _, pirfail = self.log("zerg-pi-rate")
        if pifail or pirfail:
            print("per-instance failures by reason: cycle %s, rate %s" % (pifail, pirfail))
        # These rows compare shared with per-instance, not zerg with the peer: relabel them.
        self.rows[rows_before:] = [("netns shared vs per-instance: " + f, a, b, r)
                                   for f, a, b, r in self.rows[rows_before:]]
        boot_cost = ratio(percentile(piboot, 50), percentile(zboot, 50))
        rate_cost = ratio(float(pir["ok_per_s"]), float(zr["ok_per_s"]))
        pi_failed = (int(pic["connections"]) - int(pic["status_200"]) +
                     int(pir["connections"]) - int(pir["status_200"]))
        measured = "boot p50 x%s, boot p99 x%s, rate x%s of shared" % (
            fmt(boot_cost), fmt(ratio(percentile(piboot, 99), percentile(zboot, 99))),
            fmt(rate_cost))
        crowded_pi = [k for k in ("busy_zerg-cycle", "busy_zerg-pi-cycle")
                      if m.get(k) and int(m[k]) > 75]
        if pi_failed:
            verdict = ("per-instance failed %d connections (see the reasons above); %s: keep "
                       "\"shared\" as the default" % (pi_failed, measured))
        elif crowded_pi:
            verdict = ("none from this run: the machine was busy with other work during the "
                       "cycle phases (%s), so this run cannot tell; measured %s. "
                       "\"shared\" stays the default until a quiet run decides" %
                       (", ".join("%s=%s%%" % (k[5:], m[k]) for k in crowded_pi), measured))
        elif boot_cost is not None and rate_cost is not None and boot_cost <= 1.10 and \
                rate_cost >= 0.90:
            verdict = ("per-instance costs at most 10%% (%s): it is affordable and isolates "
                       "better, make it the default" % measured)
        else:
            verdict = ("per-instance costs more than 10%% (%s): keep \"shared\" as the default"
                       % measured)
        print("netns verdict: " + verdict)

        exits = {k[5:]: v for k, v in m.items() if k.startswith("exit_")}
        print()
        print("daemon exit status after SIGTERM: %s" %
              " ".join("%s=%s" % kv for kv in sorted(exits.items())))

        with open(os.path.join(self.d, "summary.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["figure", "zerg", "peer", "zerg/peer"])
            for fig, z, p, r in self.rows:
                w.writerow([fig, fmt(z, 3) if not isinstance(z, str) else z,
                            fmt(p, 3) if not isinstance(p, str) else p,
                            fmt(r, 3) if not isinstance(r, str) else r])

        write_cdf(os.path.join(self.d, "cdf-zerg-cycle.dat"),
                  read_latencies(os.path.join(self.d, "zerg-cycle.csv")))
        write_cdf(os.path.join(self.d, "cdf-peer-cycle.dat"),
                  read_latencies(os.path.join(self.d, "peer-cycle.csv")))
        write_cdf(os.path.join(self.d, "boot-zerg.dat"), zboot)
        write_cdf(os.path.join(self.d, "boot-zerg-pi.dat"), piboot)
        write_cdf(os.path.join(self.d, "boot-peer.dat"), pboot)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: report.py RESULTS_DIR\n")
        return 2
    Report(sys.argv[1]).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
