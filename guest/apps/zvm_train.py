#!/usr/bin/env python3
"""zvm_train.py IMAGE ZVM PATH MODULE FUNCTION: the image's training run.

Starts ZVM in IMAGE as the process backend would (docs/guest-contract.md: fd 4 a SOCK_SEQPACKET
socket carrying the parameters and the prefix, fd 3 the connection), with
`-noshell -run MODULE FUNCTION` and -zvm-coverage, hands it one `GET PATH` request, checks that
it reports ready and answers 200, and prints the modules the instance loaded, one per line.
guest/apps/module.mk loads those first when it makes the image's snapshot (docs/vm.md,
Snapshot), so the pages an instance uses lie together. No sandbox and no network: two socket
pairs. Exit status 1 with the reason on stderr when the instance does not serve.
"""
import os
import socket
import subprocess
import sys

TIMEOUT_S = 20


def main(image, zvm, path, module, function):
    request = b"GET %s HTTP/1.1\r\nHost: training\r\n\r\n" % path.encode()
    ctl, ctl_guest = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    conn, conn_guest = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

    def contract_fds():
        # Through high numbers first: the pairs' own descriptors may be 3 or 4.
        a = os.dup2(conn_guest.fileno(), 100)
        b = os.dup2(ctl_guest.fileno(), 101)
        os.dup2(a, 3)
        os.dup2(b, 4)

    cmd = [zvm, "-zvm-ebin", "vm/ebin", "-zvm-otp", "lib", "-zvm-coverage", "-noshell",
           "-run", module, function]
    proc = subprocess.Popen(cmd, cwd=image, preexec_fn=contract_fds, close_fds=False,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    ctl_guest.close()
    conn_guest.close()
    try:
        ctl.settimeout(TIMEOUT_S)
        conn.settimeout(TIMEOUT_S)
        ctl.send(b"zerg=1\ninstance=training\nprefix_bytes=%d\n" % len(request))
        ctl.send(request)
        ready = ctl.recv(64)
        if ready != b"ready\n":
            raise RuntimeError("no readiness message (got %r)" % ready)
        answer = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
        if not answer.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError("answer is not 200: %r" % answer[:80])
        _, err = proc.communicate(timeout=TIMEOUT_S)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
        proc.kill()
        _, err = proc.communicate()
        sys.stderr.write("zvm_train: %s %s %s: %s\n%s" % (module, function, path, e,
                                                         err.decode(errors="replace")[-2000:]))
        return 1
    if proc.returncode != 0:
        sys.stderr.write("zvm_train: the instance exited %d\n" % proc.returncode)
        return 1
    modules = [line.split()[2] for line in err.decode(errors="replace").splitlines()
               if line.startswith("zvm-coverage: module ")]
    if not modules:
        sys.stderr.write("zvm_train: the instance listed no loaded module\n")
        return 1
    print("\n".join(sorted(modules)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.stderr.write("usage: zvm_train.py IMAGE ZVM PATH MODULE FUNCTION\n")
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
