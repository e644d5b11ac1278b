#!/usr/bin/python3
"""watchdog: run QEMU (or any command), timestamp its serial output, kill it when things go wrong.

    watchdog.py --timeout SECONDS --log FILE [--echo REGEX] [--end MARKER] -- COMMAND...

Every output line is written to FILE as "[ seconds.millis] line", seconds since the command
started. Lines matching --echo are also printed on stdout as they are (no timestamp, so that
result lines such as "PASS: name" reach test runners unchanged). The command is
killed (and the run fails) on:
  - the overall timeout                                     exit 2
  - a fatal line: Xen's "Panic on CPU", a dom0 crash, a
    Linux "Kernel panic"                                   exit 3
It then ends with:
  - exit 0 when the command exited by itself after printing the --end marker
  - exit 4 when it exited without the marker (the dom0 side never finished)
The reason is printed as one "watchdog: ..." line on stderr and in FILE.
"""
import argparse
import os
import re
import select
import signal
import subprocess
import sys
import time

FATAL = re.compile(
    r"Panic on CPU|Hardware Dom0 crashed|Domain 0 crashed|Dom0 crashed|Kernel panic"
    r"|Attempted to kill init"
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--echo", default=None)
    ap.add_argument("--end", default=None)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.error("no command given")
    echo = re.compile(args.echo) if args.echo else None

    start = time.monotonic()
    log = open(args.log, "w", buffering=1, errors="replace")

    def stamp(line):
        return "[%8.3f] %s" % (time.monotonic() - start, line)

    def note(msg):
        line = stamp("watchdog: " + msg)
        log.write(line + "\n")
        print(line, file=sys.stderr, flush=True)

    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
    except OSError as e:
        note("cannot start %s: %s" % (cmd[0], e))
        return 5

    def kill():
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    fd = proc.stdout.fileno()
    pending = b""
    seen_end = False
    verdict = None
    while verdict is None:
        left = args.timeout - (time.monotonic() - start)
        if left <= 0:
            note("timeout after %.0f s: killing the command" % args.timeout)
            kill()
            return 2
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            out = stamp(line)
            log.write(out + "\n")
            if echo and echo.search(line):
                print(line, flush=True)
            if args.end and args.end in line:
                seen_end = True
            if FATAL.search(line):
                verdict = line
                break
    if verdict is not None:
        # Let the panic's following lines (the reason, the stack) reach the log before the kill.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                for raw in chunk.split(b"\n"):
                    log.write(stamp(raw.decode("utf-8", "replace").rstrip("\r")) + "\n")
        note("fatal line seen, killing the command: %s" % verdict.strip())
        kill()
        return 3
    if pending:
        log.write(stamp(pending.decode("utf-8", "replace")) + "\n")
    rc = proc.wait()
    if args.end and not seen_end:
        note("command exited (status %d) before printing %r" % (rc, args.end))
        return 4
    note("command exited with status %d" % rc)
    return 0 if rc == 0 else 4


if __name__ == "__main__":
    sys.exit(main())
