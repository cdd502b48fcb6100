#!/usr/bin/env python3
"""Run a command with a new pseudo-terminal as its stdin, stdout and stderr.

    pty_run.py [--after MARKER] [--size ROWSxCOLS] INPUT COMMAND [ARG...]

INPUT is written to the terminal once MARKER has appeared in the command's
output (at once without --after), so it is not typed before the command has
set the terminal up.  Everything the command writes to the terminal is
printed on stdout with the carriage returns removed, and pty_run exits with
the command's exit status.  The run is bounded: after PTY_RUN_TIMEOUT seconds
(default 60) the command is killed and pty_run exits 124 naming what it was
waiting for.
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    marker, rows, cols = None, 24, 80
    while args and args[0].startswith("--"):
        if args[0] == "--after":
            marker = args[1].encode()
        elif args[0] == "--size":
            rows, cols = (int(x) for x in args[1].split("x"))
        else:
            sys.exit(f"pty_run: unknown option {args[0]}")
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    data, cmd = args[0].encode(), args[1:]

    pid, fd = pty.fork()
    if pid == 0:
        try:
            # The size is set before COMMAND runs: set from the parent, it
            # could come after COMMAND read it.
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    out, sent = b"", False
    deadline = time.monotonic() + float(os.environ.get("PTY_RUN_TIMEOUT", "60"))
    while True:
        if not sent and (marker is None or marker in out):
            os.write(fd, data)
            sent = True
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
            what = f"'{marker.decode()}'" if not sent else "the command to end"
            print(f"pty_run: timed out waiting for {what}", file=sys.stderr)
            sys.exit(124)
        r, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: every holder of the terminal closed it
            chunk = b""
        if not chunk:
            break
        out += chunk
    _, st = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
    code = os.waitstatus_to_exitcode(st)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
