#!/usr/bin/python3
"""Integration tests of `zerg serve` on loopback with the process backend and the fixture guest.

Each test starts its own daemon (ASan build) with its own configuration, state directory and
ports, talks to it over 127.0.0.1 only, and checks what a client sees, what /metrics and
/instances say, and what is left on the machine afterwards (processes, zombies, descriptors).
Prints one PASS:/FAIL:/SKIP: line per test for tests/run-suites.sh.

Usage: zerg_it.py [TEST_NAME ...]     (all tests when none named)
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

ROOT = os.environ.get("ZERG_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
ZERG = os.environ.get("ZERG_BIN", os.path.join(ROOT, "build/asan/bin/zerg"))
GUEST = os.environ.get("ZERG_GUEST", os.path.join(ROOT, "build/bin/zerg-fixture-guest"))


class Failure(Exception):
    pass


DIRS = []  # the scratch folders of this test's daemons: removed if it passes


def check(cond, what):
    if not cond:
        raise Failure(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    """One `zerg serve` with a configuration derived from the defaults below."""
    started = 0

    def __init__(self, name, **overrides):
        # Guest uids are uid_base + slot and RLIMIT_NPROC is 1: daemons that may run at the same
        # time on this machine (other test runs, a benchmark) must not share a uid range.
        Daemon.started += 1
        uid_base = 3000000 + (os.getpid() % 5000) * 2000 + Daemon.started * 100
        self.dir = tempfile.mkdtemp(prefix="zerg-it-%s-" % name)
        DIRS.append(self.dir)
        self.port = free_port()
        self.admin_port = free_port()
        cfg = {
            "daemon": {"id": "it-" + name, "state_dir": os.path.join(self.dir, "state"),
                       "log_level": "info"},
            "proxy": {"listen": "127.0.0.1:%d" % self.port, "head_timeout_ms": 1000,
                      "drain_timeout_ms": 3000},
            "admin": {"listen": "127.0.0.1:%d" % self.admin_port},
            "limits": {"max_instances": 16, "queue_length": 64, "queue_timeout_ms": 2000,
                       "boot_timeout_ms": 2000, "serve_timeout_ms": 5000, "memory_mb": 64,
                       "per_client_max": 64},
            "backend": {"type": "process"},
            "guest": {"command": [GUEST], "profile": "fixture"},
            "sandbox": {"uid_base": uid_base, "gid": uid_base},
        }
        for path, value in overrides.items():
            section, key = path.split("__")
            cfg.setdefault(section, {})[key] = value
        self.cfg = cfg
        self.cfg_path = os.path.join(self.dir, "zerg.json")
        with open(self.cfg_path, "w") as f:
            json.dump(cfg, f, indent=2)
        self.log_path = os.path.join(self.dir, "zerg.log")
        self.proc = None

    def start(self, expect_ok=True, preexec=None):
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=99"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([ZERG, "serve", "-c", self.cfg_path], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, preexec_fn=preexec)
        if not expect_ok:
            return self
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure("zerg exited at start (%s): %s" % (self.proc.returncode,
                                                                 self.read_log()[-2000:]))
            if "event=listening" in self.read_log():
                return self
            time.sleep(0.02)
        raise Failure("zerg did not start listening: " + self.read_log()[-2000:])

    def read_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure("zerg did not exit within %ds of signal %d" % (timeout, sig))

    # --- clients ---
    def request(self, path="/", method="GET", body=b"", headers=None, timeout=10):
        """One HTTP/1.1 request on a fresh connection; returns (status, headers, body)."""
        hdrs = {"Host": "zerg"}
        hdrs.update(headers or {})
        if body:
            hdrs["Content-Length"] = str(len(body))
        head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join(
            "%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
        return self.raw(head.encode() + body, timeout=timeout)

    def raw(self, data, timeout=10):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s.sendall(data)
            return parse_response(read_all(s))
        finally:
            s.close()

    def admin(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.admin_port, path),
                                    timeout=5) as r:
            return r.read().decode()

    def metric(self, name):
        for line in self.admin("/metrics").splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise Failure("metric %s not found" % name)

    def instances(self):
        return json.loads(self.admin("/instances"))

    def wait_idle(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.metric("zerg_instances_live") == 0 and not self.instances()["instances"]:
                return
            time.sleep(0.02)
        raise Failure("instances still live after %ds: %s" % (timeout, self.admin("/instances")))

    def children(self):
        """Pids whose parent is the daemon, and zombies among them."""
        kids, zombies = [], []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if int(fields[1]) == self.proc.pid:
                kids.append(int(pid))
                if fields[0] == "Z":
                    zombies.append(int(pid))
        return kids, zombies

    def fds(self):
        return sorted(os.listdir("/proc/%d/fd" % self.proc.pid), key=int)


def read_all(s):
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def parse_response(data):
    if not data:
        return (None, {}, b"")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    status = int(m.group(1)) if m else None
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return (status, headers, body)


# ------------------------------------------------------------------------------------------------
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def served_ok(d, r):
    status, headers, body = r
    check(status == 200, "status %s, body %r" % (status, body[:200]))
    check(headers.get("connection") == "close", "no Connection: close")
    check("x-zerg-instance" in headers, "no X-Zerg-Instance header")
    return headers["x-zerg-instance"]


def fd_target(d, fd):
    try:
        return os.readlink("/proc/%d/fd/%s" % (d.proc.pid, fd))
    except OSError:
        return "?"


def assert_clean(d, fds_before=None):
    d.wait_idle()
    kids, zombies = d.children()
    check(not zombies, "zombies left: %s" % zombies)
    check(not kids, "child processes left: %s" % kids)
    if fds_before is not None:
        # The admin requests that wait_idle made may still be closing on the daemon's side:
        # give them a moment, then what is left over is a leak.
        deadline = time.time() + 2
        after = d.fds()
        while len(after) > len(fds_before) and time.time() < deadline:
            time.sleep(0.05)
            after = d.fds()
        check(len(after) <= len(fds_before), "descriptors leaked: before %s after %s" %
              (fds_before, ["%s=%s" % (f, fd_target(d, f)) for f in after]))


@test
def sequential_distinct_instances(d=None):
    d = Daemon("seq").start()
    try:
        served_ok(d, d.request("/"))  # warm: the fd table settles
        d.wait_idle()
        fds = d.fds()
        ids = [served_ok(d, d.request("/n%d" % i)) for i in range(30)]
        check(len(set(ids)) == 30, "instances reused: %s" % ids)
        assert_clean(d, fds)
        check(d.metric("zerg_instances_started_total") == 31, "started_total")
        check(d.metric("zerg_instances_reaped_total") == 31, "reaped_total")
    finally:
        check(d.stop() == 0, "exit status")


@test
def concurrent_distinct_instances():
    d = Daemon("conc").start()
    try:
        served_ok(d, d.request("/"))
        d.wait_idle()
        fds = d.fds()
        results, errors = [], []

        def one(i):
            try:
                results.append(served_ok(d, d.request("/__fixture/sleep?ms=200")))
            except Exception as e:
                errors.append(repr(e))
        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        check(not errors, "errors: %s" % errors[:3])
        check(len(set(results)) == 16, "instances reused: %s" % results)
        assert_clean(d, fds)
    finally:
        check(d.stop() == 0, "exit status")


@test
def nothing_lost_in_handoff():
    for mode in ("fd", "forward"):
        d = Daemon("echo-" + mode, proxy__handoff=mode).start()
        try:
            body = b"x" * 100000 + b"END"
            req = (b"POST /__fixture/echo HTTP/1.1\r\nHost: zerg\r\nContent-Length: %d\r\n\r\n"
                   % len(body)) + body
            status, headers, got = d.raw(req)
            check(status == 200, "%s: status %s" % (mode, status))
            check(got == req, "%s: echo differs (%d bytes back, %d sent)" %
                  (mode, len(got), len(req)))
            served_ok(d, d.request("/"))
            assert_clean(d)
        finally:
            check(d.stop() == 0, "exit status")


@test
def capacity_503_after_queue_timeout():
    d = Daemon("cap", limits__max_instances=2, limits__queue_length=1,
               limits__queue_timeout_ms=300).start()
    try:
        slow = []
        ts = [threading.Thread(target=lambda: slow.append(d.request("/__fixture/sleep?ms=1500")))
              for _ in range(2)]
        [t.start() for t in ts]
        deadline = time.time() + 5
        while d.metric("zerg_instances_live") < 2 and time.time() < deadline:
            time.sleep(0.01)
        queued = []
        tq = threading.Thread(target=lambda: queued.append((d.request("/"), time.time())))
        t0 = time.time()
        tq.start()
        while d.metric("zerg_queue_length") < 1 and time.time() < deadline:
            time.sleep(0.01)
        status, headers, _ = d.request("/")  # queue full: at once
        check(status == 503 and "retry-after" in headers, "queue full: %s %s" % (status, headers))
        tq.join()
        (status, headers, _), t1 = queued[0]
        check(status == 503, "queued request: status %s" % status)
        check("retry-after" in headers, "503 without Retry-After")
        check(0.25 <= t1 - t0 <= 1.4, "queued 503 after %.3fs, queue timeout 0.3s" % (t1 - t0))
        [t.join() for t in ts]
        check(all(r[0] == 200 for r in slow), "slow ones: %s" % [r[0] for r in slow])
        check(d.metric('zerg_errors_total{kind="queue_timeout"}') == 1, "queue_timeout count")
        check(d.metric('zerg_errors_total{kind="queue_full"}') == 1, "queue_full count")
        check(d.metric("zerg_instances_started_total") == 2, "503s spent instances")
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def bad_gateway_cases():
    d = Daemon("502", limits__boot_timeout_ms=400).start()
    try:
        for path, kind in (("/__fixture/never-ready", "boot_timeout"),
                           ("/__fixture/exit-before-ready", "boot_exit"),
                           ("/__fixture/bad-ready", "bad_readiness"),
                           ("/__fixture/crash", "guest_crash")):
            status, _, body = d.request(path)
            check(status == 502, "%s: status %s %r" % (path, status, body))
            check(d.metric('zerg_errors_total{kind="%s"}' % kind) >= 1, "%s not counted" % kind)
        served_ok(d, d.request("/"))
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def serve_deadline_kills():
    d = Daemon("serve-deadline", limits__serve_timeout_ms=300).start()
    try:
        t0 = time.time()
        status, _, _ = d.request("/__fixture/sleep?ms=5000")
        check(status == 504, "status %s" % status)
        check(time.time() - t0 < 2, "took %.2fs" % (time.time() - t0))
        check(d.metric('zerg_errors_total{kind="serve_timeout"}') == 1, "not counted")
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def client_leaves_during_boot():
    d = Daemon("gone", limits__boot_timeout_ms=10000).start()
    try:
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(b"GET /__fixture/never-ready HTTP/1.1\r\nHost: z\r\n\r\n")
        deadline = time.time() + 5
        while d.metric("zerg_instances_live") < 1 and time.time() < deadline:
            time.sleep(0.01)
        check(d.metric("zerg_instances_live") == 1, "instance not booting")
        s.close()
        d.wait_idle(timeout=3)
        check(d.metric('zerg_errors_total{kind="client_gone"}') == 1, "client_gone not counted")
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def bad_heads_spend_nothing():
    d = Daemon("heads", proxy__head_timeout_ms=500).start()
    try:
        status, _, _ = d.raw(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: z\r\n\r\n")
        check(status == 431, "oversized: %s" % status)
        status, _, _ = d.raw(b"GET / HTTP/1.1\r\nHost: z\r\n" + b"X-Big: " + b"v" * 17000 +
                             b"\r\n\r\n")
        check(status == 431, "oversized header: %s" % status)
        for bad in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\nHost: z\n\n",
                    b"GET / HTTP/1.1\r\n\r\n", b"\x16\x03\x01\x00\x00"):
            status, _, _ = d.raw(bad)
            check(status == 400, "malformed %r: %s" % (bad, status))
        # slowloris: a byte every 100 ms never completes the head within 500 ms
        results = {}

        def slow():
            s = socket.create_connection(("127.0.0.1", d.port))
            t0 = time.time()
            try:
                for ch in b"GET / HTTP/1.1\r\nHost: z\r\nX-Slow: " + b"y" * 30:
                    s.send(bytes([ch]))
                    time.sleep(0.1)
            except OSError:
                pass
            results["slow"] = (parse_response(read_all(s))[0], time.time() - t0)
            s.close()
        t = threading.Thread(target=slow)
        t.start()
        time.sleep(0.1)
        # other clients are served meanwhile
        for _ in range(3):
            served_ok(d, d.request("/"))
        t.join()
        check(results["slow"][0] == 408, "slowloris: %s" % (results["slow"],))
        check(results["slow"][1] < 2.0, "slowloris answered after %.2fs" % results["slow"][1])
        check(d.metric("zerg_instances_started_total") == 3, "bad heads spent instances")
        check(d.metric('zerg_errors_total{kind="head_too_large"}') == 2, "431 count")
        check(d.metric('zerg_errors_total{kind="head_malformed"}') == 4, "400 count")
        check(d.metric('zerg_errors_total{kind="head_timeout"}') == 1, "408 count")
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def sandbox_kills_forbidden_calls():
    d = Daemon("forbidden").start()
    try:
        for call in ("socket", "ptrace", "open-write", "creat", "exec", "fork", "kill"):
            status, _, body = d.request("/__fixture/forbidden/" + call)
            check(status == 502, "%s: status %s body %r" % (call, status, body[:100]))
        d.wait_idle()
        log = d.read_log()
        n = len(re.findall(r'state=exited.*SIGSYS', log))
        check(n == 7, "SIGSYS deaths logged: %d of 7" % n)
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def sandbox_visible_in_proc():
    d = Daemon("proc").start()
    try:
        got = []
        t = threading.Thread(target=lambda: got.append(d.request("/__fixture/sleep?ms=1500")))
        t.start()
        deadline = time.time() + 5
        inst = None
        while time.time() < deadline:
            insts = [i for i in d.instances()["instances"] if i["state"] == "serving"]
            if insts:
                inst = insts[0]
                break
            time.sleep(0.02)
        check(inst is not None, "no serving instance seen")
        proc = inst["process"]
        pid = proc["pid"]
        status = open("/proc/%d/status" % pid).read()
        check(re.search(r"^NoNewPrivs:\s+1$", status, re.M), "NoNewPrivs")
        check(re.search(r"^Seccomp:\s+2$", status, re.M), "Seccomp filter mode")
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
        check(uid >= 1000 and uid != os.getuid(), "uid %d" % uid)
        check(re.search(r"^CapEff:\s+0+$", status, re.M), "capabilities left")
        for ns in ("pid", "mnt", "ipc", "uts", "net"):
            mine = os.readlink("/proc/self/ns/" + ns)
            theirs = os.readlink("/proc/%d/ns/%s" % (pid, ns))
            check(mine != theirs, "%s namespace shared" % ns)
        limits = open("/proc/%d/limits" % pid).read()
        check(re.search(r"Max address space\s+%d" % (64 << 20), limits), "RLIMIT_AS")
        check(re.search(r"Max open files\s+\d+", limits), "RLIMIT_NOFILE")
        fds = os.listdir("/proc/%d/fd" % pid)
        check(sorted(map(int, fds)) == [0, 1, 2, 3, 4], "guest fds %s" % fds)
        pieces = proc["sandbox"]
        for piece in ("session", "pdeathsig", "close_fds", "pidns", "rootfs", "mountns",
                      "ipcns", "utsns", "netns", "rlimits", "uid", "no_new_privs", "seccomp"):
            check(pieces.get(piece) == "on", "piece %s: %s" % (piece, pieces.get(piece)))
        # The guest's filesystem is its own minimal read-only root: no host mounts, no /proc.
        mounts = [l.split()[4] for l in open("/proc/%d/mountinfo" % pid).read().splitlines()]
        check("/proc" not in mounts and "/sys" not in mounts and "/dev" not in mounts,
              "host mounts visible to the guest: %s" % mounts)
        check(len(mounts) <= 3, "more mounts than the root and the guest's files: %s" % mounts)
        t.join()
        check(got[0][0] == 200, "status %s" % got[0][0])
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def guest_output_rate_limited():
    """The fixture writes 1000 stderr lines; the log keeps at most the burst and counts the rest."""
    d = Daemon("spam", guest__log_lines_per_second=10, guest__log_burst=20).start()
    try:
        served_ok(d, d.request("/__fixture/spam"))
        d.wait_idle()
        log = d.read_log()
        kept = len(re.findall(r"event=guest id=1 stream=stderr", log))
        check(1 <= kept <= 25, "%d guest lines logged, burst 20" % kept)
        dropped = d.metric('zerg_errors_total{kind="guest_log_dropped"}')
        check(kept + dropped == 1000, "kept %d + dropped %d != 1000" % (kept, dropped))
        check(re.search(r"event=guest id=1 dropped_lines=%d" % dropped, log), "no summary line")
    finally:
        check(d.stop() == 0, "exit status")


@test
def sigterm_drains_and_exits_zero():
    d = Daemon("drain").start()
    got = []
    t = threading.Thread(target=lambda: got.append(d.request("/__fixture/sleep?ms=800")))
    t.start()
    deadline = time.time() + 5
    while d.metric("zerg_instances_live") < 1 and time.time() < deadline:
        time.sleep(0.01)
    d.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    refused = False
    try:
        socket.create_connection(("127.0.0.1", d.port), timeout=1).close()
    except OSError:
        refused = True
    check(refused, "still accepting after SIGTERM")
    rc = d.proc.wait(10)
    t.join()
    check(got and got[0][0] == 200, "in-flight request: %s" % (got[0][0] if got else None))
    check(rc == 0, "exit status %s" % rc)
    check("drained and reaped" in d.read_log(), "no drain line in the log")


@test
def admin_endpoints():
    d = Daemon("admin").start()
    try:
        served_ok(d, d.request("/"))
        d.wait_idle()
        m = d.admin("/metrics")
        for name in ("zerg_instances_started_total", "zerg_instances_reaped_total",
                     "zerg_instances_live", "zerg_boot_seconds_bucket",
                     "zerg_cycle_seconds_bucket", "zerg_loop_lag_seconds_bucket",
                     'zerg_errors_total{kind="boot_timeout"}'):
            check(name in m, "metric %s missing" % name)
        j = d.instances()
        check(j["live"] == 0 and j["backend"] == "process", "instances json %s" % j)
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/nope" % d.admin_port, timeout=5)
            check(False, "404 expected")
        except urllib.error.HTTPError as e:
            check(e.code == 404, "status %d" % e.code)
    finally:
        check(d.stop() == 0, "exit status")


@test
def restart_destroys_own_orphans_only():
    """A daemon killed with SIGKILL leaves records; the next start of the same id destroys them
    (its guests die with it through PDEATHSIG anyway), and another id's records stay."""
    d = Daemon("orphans", limits__boot_timeout_ms=30000).start()
    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall(b"GET /__fixture/never-ready HTTP/1.1\r\nHost: z\r\n\r\n")
    deadline = time.time() + 5
    while d.metric("zerg_instances_live") < 1 and time.time() < deadline:
        time.sleep(0.01)
    recdir = os.path.join(d.cfg["daemon"]["state_dir"], d.cfg["daemon"]["id"])
    check(len(os.listdir(recdir)) == 1, "no record: %s" % os.listdir(recdir))
    other = os.path.join(d.cfg["daemon"]["state_dir"], "someone-else")
    os.makedirs(other)
    open(os.path.join(other, "7.rec"), "w").write("process pid=1 start=1\n")
    d.proc.kill()
    d.proc.wait()
    s.close()
    d.start()
    try:
        check(os.listdir(recdir) == [], "records left after restart: %s" % os.listdir(recdir))
        check(os.listdir(other) == ["7.rec"], "another daemon's record touched")
        check("event=orphan" in d.read_log(), "orphan not logged")
        served_ok(d, d.request("/"))
    finally:
        check(d.stop() == 0, "exit status")


@test
def emfile_degrades():
    d = Daemon("emfile").start()
    try:
        served_ok(d, d.request("/"))
        d.wait_idle()
        n = len(d.fds())
        soft = open("/proc/%d/limits" % d.proc.pid).read()
        soft = int(re.search(r"Max open files\s+(\d+)", soft).group(1))
        # Lower only the soft limit (raising a hard limit back may be refused).
        subprocess.run(["prlimit", "--pid", str(d.proc.pid), "--nofile=%d:" % (n + 3)],
                       check=True)
        socks = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=2)
            socks.append(s)
        time.sleep(0.5)
        cpu0 = sum(map(int, open("/proc/%d/stat" % d.proc.pid).read().rsplit(")", 1)[1]
                       .split()[11:13]))
        time.sleep(1.0)
        cpu1 = sum(map(int, open("/proc/%d/stat" % d.proc.pid).read().rsplit(")", 1)[1]
                       .split()[11:13]))
        check(cpu1 - cpu0 < 30, "busy loop while out of descriptors: %d ticks/s" % (cpu1 - cpu0))
        for s in socks:
            s.close()
        subprocess.run(["prlimit", "--pid", str(d.proc.pid), "--nofile=%d:" % soft], check=True)
        time.sleep(0.3)
        served_ok(d, d.request("/"))
        check(d.metric('zerg_errors_total{kind="accept_emfile"}') >= 1, "emfile not counted")
        check(d.proc.poll() is None, "daemon died")
    finally:
        check(d.stop() == 0, "exit status")


@test
def start_fails_without_descriptors():
    # 1,000,000 connections need more descriptors than the kernel allows a process
    # (fs.nr_open, 1048576 by default), so even root cannot raise the limit that far.
    d = Daemon("nofd", proxy__max_connections=1000000)
    d.start(expect_ok=False)
    rc = d.proc.wait(10)
    check(rc == 1, "exit status %s" % rc)
    check("file descriptors" in d.read_log(), "no clear message: %s" % d.read_log()[-500:])


def main(names):
    selected = [t for t in TESTS if not names or t.__name__ in names]
    for t in selected:
        t0 = time.time()
        del DIRS[:]
        try:
            t()
            print("PASS: %s (%.2fs)" % (t.__name__, time.time() - t0), flush=True)
            for d in DIRS:
                shutil.rmtree(d, ignore_errors=True)
        except Failure as e:
            print("FAIL: %s: %s (logs in %s)" % (t.__name__, e, " ".join(DIRS)), flush=True)
        except Exception:
            print("FAIL: %s: %s" % (t.__name__, traceback.format_exc().replace("\n", " | ")),
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
