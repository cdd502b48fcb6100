#!/usr/bin/env python3
"""console_recv.py SOCKET OUTFILE [INPUT]

The receiving end of an OCI runtime's --console-socket: listen on the unix
socket SOCKET, accept one connection, receive the pseudo-terminal master fd
that the runtime sends with SCM_RIGHTS, optionally write INPUT to it, and copy
everything the container writes to the terminal into OUTFILE until the
terminal closes.  Writes "READY" to stdout once listening.

A safety limit (BRIG_CONSOLE_LIMIT seconds, default 60) ends it if the
container never closes its terminal, so a broken runtime cannot hang a test.
"""
import array
import os
import select
import socket
import sys
import time


def receive_fd(conn):
    fds = array.array("i")
    msg, anc, _flags, _addr = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    if not fds:
        raise RuntimeError("no file descriptor received (message %r)" % msg)
    for extra in fds[1:]:
        os.close(extra)
    return fds[0]


def relay(master, out, deadline):
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: every slave end is closed
            return
        if not data:
            return
        out.write(data)
        out.flush()


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    path, outfile = sys.argv[1], sys.argv[2]
    limit = float(os.environ.get("BRIG_CONSOLE_LIMIT", "60"))
    deadline = time.monotonic() + limit
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("READY", flush=True)
    srv.settimeout(limit)
    conn, _ = srv.accept()
    master = receive_fd(conn)
    conn.close()
    srv.close()
    if len(sys.argv) == 4:
        os.write(master, sys.argv[3].encode())
    with open(outfile, "wb") as out:
        relay(master, out, deadline)
    os.close(master)
    return 0


if __name__ == "__main__":
    sys.exit(main())
