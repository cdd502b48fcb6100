#!/usr/bin/env python3
"""ptydrive.py: run a command on a new terminal and talk to it.

Usage: ptydrive.py SCRIPT -- CMD...
SCRIPT is a list of steps, one per argument before --:
  send:TEXT    write TEXT (Python escapes: \\r, \\x10) to the terminal
  expect:RE    wait (up to 15 s) until the output so far matches RE
  kill:SIG     send signal SIG (a name: TERM) to CMD
  size:RxC     set the terminal's size to R rows, C columns (the kernel
               sends SIGWINCH to its foreground process group)
Then it waits (up to 15 s) for CMD to exit and exits with its status;
on a timeout it prints what it awaited and the output, and exits 124.
"""
import fcntl, os, pty, re, select, signal, struct, sys, termios, time

def main():
    sep = sys.argv.index("--")
    steps, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""

    def pump(deadline):
        nonlocal out
        r, _, _ = select.select([fd], [], [], max(0.0, min(0.2, deadline - time.time())))
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            out += data
        return True

    def drain():
        # What CMD wrote before it ended stays on the terminal until read:
        # a waitpid that saw the end first must not lose it.
        nonlocal out
        while select.select([fd], [], [], 0.2)[0]:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            out += data

    for s in steps:
        kind, _, arg = s.partition(":")
        if kind == "send":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "kill":
            os.kill(pid, getattr(signal, "SIG" + arg))
        elif kind == "size":
            rows, cols = (int(x) for x in arg.split("x"))
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        elif kind == "expect":
            deadline = time.time() + 15
            while not re.search(arg.encode(), out):
                if time.time() > deadline or not pump(deadline):
                    if re.search(arg.encode(), out):
                        break
                    sys.stderr.write("ptydrive: awaited %r; got %r\n" % (arg, out))
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    sys.exit(124)
    deadline = time.time() + 15
    while time.time() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            drain()
            sys.stdout.write(out.decode("utf-8", "replace"))
            sys.exit(os.waitstatus_to_exitcode(st))
        pump(deadline)
    sys.stderr.write("ptydrive: %s did not exit; output %r\n" % (cmd[0], out))
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    sys.exit(124)

main()
