#!/usr/bin/python3
"""Integration tests of zerg_web (guest/apps/zerg_web) served through zerg by zvm instances and
by stock erl instances, the same tests for both guests (names prefixed zvm- and erl-).

`zerg serve` (ASan build) on its own loopback ports, state directory and uid range
(zerg_it.Daemon), with configs/local.json's guest (build/bin/zvm-static exec'd by the sandbox,
build/images/zvm as /image and its working directory, seccomp profile "zvm") or configs/erl.json's
(build/images/erl-vm/beam.smp, build/images/erl as /image, seccomp profile "erl"). Checks
through the proxy what a client sees on every route, that N requests are N distinct instances,
the gen_server-rendered pages, that nothing is left behind, and the sandbox pieces of a live
instance.

Stock erts cannot start without /dev/null (erts_sys_pre_init spins until an open of it
succeeds). When the sandbox's minimal root has none (checked first with the fixture guest),
the erl tests run with the rootfs piece off and host paths instead of /image, and the one test
that needs every piece on is reported as SKIP with that reason. zvm needs nothing of that.

Usage: zerg_web_it.py [zvm|erl] [TEST_NAME ...]     (both guests, all tests when none named)
"""
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zerg_it  # noqa: E402  (the lead's harness: Daemon, checks, response parsing)
from zerg_it import Daemon, Failure, check, assert_clean, parse_response, read_all  # noqa: E402

ROOT = zerg_it.ROOT
IMAGE = os.path.join(ROOT, "build/images/erl")
BEAM = os.path.join(ROOT, "build/images/erl-vm/beam.smp")
CONFIG = os.path.join(ROOT, "configs/erl.json")
ZVM = os.path.join(ROOT, "build/bin/zvm-static")
ZVM_IMAGE = os.path.join(ROOT, "build/images/zvm")
ZVM_CONFIG = os.path.join(ROOT, "configs/local.json")
GUEST = "erl"  # the guest the running test serves with: "zvm" or "erl"
VM_NAME = {"zvm": "ZVM", "erl": "BEAM"}


class Skip(Exception):
    pass


def erl_guest(root_has_dev_null):
    """guest and sandbox settings of configs/erl.json, with /image or the host's image path."""
    with open(CONFIG) as f:
        cfg = json.load(f)
    guest = cfg["guest"]
    command = [BEAM] + guest["command"][1:]
    env = list(guest["env"])
    if not root_has_dev_null:
        command = [a.replace("/image", IMAGE) if a.startswith("/image") else a for a in command]
        env = [e.replace("=/image", "=" + IMAGE) for e in env]
    over = {"guest__command": command, "guest__env": env, "guest__profile": guest["profile"],
            "guest__image": IMAGE,
            "limits__memory_mb": cfg["limits"]["memory_mb"],
            "limits__boot_timeout_ms": 10000, "limits__serve_timeout_ms": 15000,
            "sandbox__processes": cfg["sandbox"]["processes"],
            "sandbox__open_files": cfg["sandbox"]["open_files"]}
    if not root_has_dev_null:
        over["sandbox__off"] = ["rootfs"]
    return over


ROOT_HAS_DEV_NULL = None


def root_has_dev_null():
    """Whether the guest's minimal root holds /dev/null: the fixture guest opens it."""
    global ROOT_HAS_DEV_NULL
    if ROOT_HAS_DEV_NULL is None:
        d = Daemon("web-probe", guest__profile="zvm", guest__env=["FIXTURE_CAN_OPEN=1"]).start()
        try:
            status, _, body = d.request("/__fixture/read?path=/dev/null")
            check(status == 200, "probe: status %s %r" % (status, body))
            ROOT_HAS_DEV_NULL = body.startswith(b"open=ok")
        finally:
            check(d.stop() == 0, "probe daemon exit status")
    return ROOT_HAS_DEV_NULL


def zvm_guest():
    """guest and sandbox settings of configs/local.json (zvm names its code relative to /image)."""
    with open(ZVM_CONFIG) as f:
        cfg = json.load(f)
    guest = cfg["guest"]
    return {"guest__command": [ZVM] + guest["command"][1:], "guest__profile": guest["profile"],
            "guest__image": ZVM_IMAGE, "limits__memory_mb": cfg["limits"]["memory_mb"],
            "limits__boot_timeout_ms": 10000, "limits__serve_timeout_ms": 15000,
            "sandbox__processes": cfg["sandbox"]["processes"],
            "sandbox__open_files": cfg["sandbox"]["open_files"]}


def erl_daemon(name, **more):
    """A daemon serving with the current guest (GUEST)."""
    over = zvm_guest() if GUEST == "zvm" else erl_guest(root_has_dev_null())
    over.update(more)
    return Daemon(GUEST + "-" + name, **over).start()


def served(r, status=200, ctype=None):
    st, headers, body = r
    check(st == status, "status %s (expected %s), body %r" % (st, status, body[:300]))
    check(headers.get("connection") == "close", "no Connection: close: %s" % headers)
    check(re.fullmatch(r"[0-9]+", headers.get("x-zerg-instance", "")),
          "X-Zerg-Instance: %r" % headers.get("x-zerg-instance"))
    if ctype:
        check(headers.get("content-type", "").startswith(ctype),
              "content-type %r" % headers.get("content-type"))
    if "content-length" in headers and body:
        check(int(headers["content-length"]) == len(body),
              "content-length %s, body %d bytes" % (headers["content-length"], len(body)))
    return headers["x-zerg-instance"], body.decode("utf-8")


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def routes_status_headers_bodies():
    d = erl_daemon("web-routes")
    try:
        _, body = served(d.request("/"), 200, "text/html")
        check("<h1>zerg_web</h1>" in body and 'href="/hello/world"' in body, "index: %r" % body)
        check(VM_NAME[GUEST] + " OTP 25" in body, "index names the VM: %r" % body)
        _, body = served(d.request("/hello/W%C3%B6rld"), 200, "text/html")
        check("Hello, <strong>W\u00f6rld</strong>!" in body, "hello: %r" % body)
        _, body = served(d.request("/hello/%3Cscript%3E"), 200, "text/html")
        check("&lt;script&gt;" in body and "<script>" not in body, "not escaped: %r" % body)
        inst, body = served(d.request("/json"), 200, "application/json")
        j = json.loads(body)
        check(j["instance"] == inst and j["vm"] == VM_NAME[GUEST] and j["otp_release"] == "25",
              "json: %r" % j)
        check(j["daemon"] == d.cfg["daemon"]["id"], "json daemon: %r" % j)
        check(re.fullmatch(r"127\.0\.0\.1:[0-9]+", j["peer"]), "json peer: %r" % j)
        st, headers, body = d.request("/json", method="HEAD")
        check(st == 200 and body == b"" and int(headers.get("content-length", "0")) > 0,
              "HEAD: %s %s %r" % (st, headers, body))
        _, body = served(d.request("/nope"), 404, "text/html")
        check("no such page: /nope" in body, "404 body: %r" % body)
        st, headers, _ = d.request("/", method="DELETE")
        check(st == 405 and headers.get("allow") == "GET, HEAD", "DELETE /: %s %s" % (st, headers))
        served(d.request("/", method="DELETE"), 405)
        st, headers, _ = d.request("/counter", method="PUT", body=b"by=1")
        check(st == 405 and headers.get("allow") == "GET, HEAD, POST", "PUT: %s %s" % (st, headers))
        _, body = served(d.request("/hello/%zz"), 400, "text/html")
        check("percent-encoding" in body, "400 body: %r" % body)
        _, body = served(d.request("/counter", method="POST", body=b"by=lots"), 400)
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def gen_server_state_pages():
    d = erl_daemon("web-state")
    try:
        _, body = served(d.request("/counter"), 200, "text/html")
        check('counter = <strong id="counter">1</strong>' in body, "fresh counter: %r" % body)
        check("request 1 of this instance" in body, "request count: %r" % body)
        # The body arrives in two parts: the start in the proxy's prefix, the rest on fd 3 later.
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        try:
            s.sendall(b"POST /counter HTTP/1.1\r\nHost: z\r\nContent-Length: 5\r\n\r\nby")
            time.sleep(0.3)
            s.sendall(b"=41")
            _, body = served(parse_response(read_all(s)), 200, "text/html")
        finally:
            s.close()
        check('counter = <strong id="counter">41</strong>' in body, "POST counter: %r" % body)
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


@test
def sequential_distinct_instances_nothing_left():
    d = erl_daemon("web-seq")
    try:
        served(d.request("/json"))
        d.wait_idle()
        fds = d.fds()
        n = 10
        ids = []
        for i in range(n):
            inst, body = served(d.request("/json"), 200, "application/json")
            check(json.loads(body)["instance"] == inst, "instance differs in body")
            ids.append(inst)
        check(len(set(ids)) == n, "instances reused: %s" % ids)
        assert_clean(d, fds)
        check(d.metric("zerg_instances_started_total") == n + 1, "started_total")
        check(d.metric("zerg_instances_reaped_total") == n + 1, "reaped_total")
        check(d.metric('zerg_errors_total{kind="guest_crash"}') == 0, "guest crashes")
        log = d.read_log()
        check("SIGSYS" not in log, "a guest was killed by seccomp")
        # zvm instances start from the image's snapshot (docs/vm.md, Snapshot): a missing or
        # refused one still serves, loading modules from files, and says so on stderr.
        check("zvm: snapshot" not in log, "the snapshot was not used: %s" % next(
            (l for l in log.splitlines() if "zvm: snapshot" in l), ""))
    finally:
        check(d.stop() == 0, "exit status")


@test
def concurrent_distinct_instances():
    d = erl_daemon("web-conc")
    try:
        results, errors = [], []

        def one():
            try:
                results.append(served(d.request("/json", timeout=30))[0])
            except Exception as e:
                errors.append(repr(e))
        ts = [threading.Thread(target=one) for _ in range(4)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        check(not errors, "errors: %s" % errors[:2])
        check(len(set(results)) == 4, "instances: %s" % results)
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


def serving_instance(d):
    """Opens a request whose body never completes, so that its instance stays serving."""
    s = socket.create_connection(("127.0.0.1", d.port), timeout=15)
    s.sendall(b"POST /counter HTTP/1.1\r\nHost: z\r\nContent-Length: 5\r\n\r\nby")
    deadline = time.time() + 10
    while time.time() < deadline:
        insts = [i for i in d.instances()["instances"] if i["state"] == "serving"]
        if insts:
            return s, insts[0]
        time.sleep(0.02)
    s.close()
    raise Failure("no serving instance seen in /instances")


@test
def sandbox_pieces_of_an_instance():
    if GUEST == "erl" and not root_has_dev_null():
        raise Skip("the guest's minimal root has no /dev/null, which stock erts needs at start "
                   "(erts_sys_pre_init); the rootfs change is requested in "
                   "guest/apps/zerg_web/README.md; the other tests ran with rootfs off")
    d = erl_daemon("web-sandbox")
    try:
        s, inst = serving_instance(d)
        try:
            proc = inst["process"]
            pid = proc["pid"]
            for piece in ("session", "pdeathsig", "close_fds", "pidns", "rootfs", "mountns",
                          "ipcns", "utsns", "netns", "rlimits", "uid", "no_new_privs", "seccomp"):
                check(proc["sandbox"].get(piece) == "on", "piece %s: %s" % (piece,
                                                                           proc["sandbox"]))
            status = open("/proc/%d/status" % pid).read()
            check(re.search(r"^Seccomp:\s+2$", status, re.M), "seccomp filter mode")
            check(re.search(r"^NoNewPrivs:\s+1$", status, re.M), "NoNewPrivs")
            threads = int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))
            if GUEST == "zvm":
                check(threads == 1, "zvm is single-threaded: threads %d" % threads)
            else:
                check(1 < threads <= d.cfg["sandbox"]["processes"], "threads %d" % threads)
            exe = os.readlink("/proc/%d/exe" % pid)
            check(exe == (ZVM if GUEST == "zvm" else BEAM), "exe %s" % exe)
            fds = sorted(int(f) for f in os.listdir("/proc/%d/fd" % pid))
            check(fds[:5] == [0, 1, 2, 3, 4], "guest fds %s" % fds)
            mounts = [l.split()[4] for l in open("/proc/%d/mountinfo" % pid).read().splitlines()]
            check("/image" in mounts and "/proc" not in mounts, "mounts %s" % mounts)
            s.sendall(b"=41")
            _, body = served(parse_response(read_all(s)), 200)
            check(">41</strong>" in body, "answer %r" % body)
        finally:
            s.close()
        assert_clean(d)
    finally:
        check(d.stop() == 0, "exit status")


def run_tests(selected):
    for t in selected:
        name = "%s-%s" % (GUEST, t.__name__)
        t0 = time.time()
        del zerg_it.DIRS[:]
        try:
            t()
            print("PASS: %s (%.2fs)" % (name, time.time() - t0), flush=True)
            for d in zerg_it.DIRS:
                zerg_it.shutil.rmtree(d, ignore_errors=True)
        except Skip as e:
            print("SKIP: %s: %s" % (name, e), flush=True)
        except Failure as e:
            print("FAIL: %s: %s (logs in %s)" % (name, e, " ".join(zerg_it.DIRS)), flush=True)
        except Exception:
            print("FAIL: %s: %s" % (name, zerg_it.traceback.format_exc()
                                    .replace("\n", " | ")), flush=True)


def main(args):
    global GUEST
    guests = [a for a in args if a in ("zvm", "erl")] or ["zvm", "erl"]
    names = [a for a in args if a not in ("zvm", "erl")]
    selected = [t for t in TESTS if not names or t.__name__ in names]
    for GUEST in guests:
        if GUEST == "erl":
            try:
                where = "with every piece on" if root_has_dev_null() else \
                    "with the rootfs piece off (no /dev/null in the guest's root)"
                print("zerg_web_it: stock erl instances %s" % where, flush=True)
            except Exception as e:
                for t in selected:
                    print("FAIL: erl-%s: the /dev/null probe failed: %s" % (t.__name__, e),
                          flush=True)
                continue
        else:
            print("zerg_web_it: zvm instances with every piece on", flush=True)
        run_tests(selected)


if __name__ == "__main__":
    main(sys.argv[1:])
