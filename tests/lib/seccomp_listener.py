#!/usr/bin/env python3
"""Accept one seccomp-notify hand-over on a unix socket (runtime-spec
"seccomp listener"), record what arrived, then close the listener fd so the
container's notified syscalls fail with ENOSYS.

usage: seccomp_listener.py SOCKET OUTFILE
OUTFILE gets one JSON line: {"fds": N, "state": <the container process state>}.
"""
import array
import json
import os
import socket
import sys

sock_path, out_path = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
srv.settimeout(60)
conn, _ = srv.accept()
fds = array.array("i")
data = b""
while True:
    msg, anc, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    if not msg:
        break
    data += msg
    try:
        state = json.loads(data)
        break
    except ValueError:
        continue
with open(out_path, "w") as f:
    json.dump({"fds": len(fds), "state": state}, f)
    f.write("\n")
for fd in fds:
    os.close(fd)
conn.close()
srv.close()
