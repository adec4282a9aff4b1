"""Helpers for the end-to-end tests (imported, not run): the inner QEMU on
vhost fds, its QMP and serial console, and live migration.

The vport fds reach QEMU either through `vportctl exec` / `vportctl migrate
prepare` (Qemu(prefix=...), device fd "{fd}") or, for the in-tree
comparison and the tests that need the fd in Python, through vvp.create()
and pass_fds.
"""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

ROOT = os.environ["VV_ROOT"]
BUILD = os.environ["VV_BUILD"]
KVER = os.environ["VV_KVER"]
sys.path.insert(0, os.path.join(ROOT, "tests/guest/vport"))
import vvp  # noqa: E402

KERNEL = os.path.join(BUILD, "vm", KVER, "vmlinux")
VPORTCTL = os.path.join(BUILD, "user", "tools", "vportctl", "vportctl")
INITRD = os.path.join(BUILD, "e2e", KVER, "initramfs.cpio")

A_WWPN, A_WWNN = 0x210000005a000001, 0x200000005a000001
B_WWPN, B_WWNN = 0x210000005a000002, 0x200000005a000002
MASKED_WWPN, MASKED_WWNN = 0x210000005a0000ff, 0x200000005a0000ff


def log(*a):
    print(time.strftime("[%H:%M:%S]"), *a, flush=True)


def naa(wwpn):
    return f"naa.{wwpn:016x}"


def colon(wwn):
    h = f"{wwn:016x}"
    return ":".join(h[i:i + 2] for i in range(0, 16, 2))


def vportctl(*args, check=True, timeout=300):
    """Runs vportctl; returns its parsed JSON (-j is added) or raises with
    its stderr."""
    t = time.time()
    r = subprocess.run([VPORTCTL, "-j", *args], capture_output=True, text=True, timeout=timeout)
    log(f"vportctl {' '.join(args)}: exit {r.returncode} in {time.time() - t:.1f}s"
        + (f"\n{r.stderr.strip()}" if r.stderr.strip() else ""))
    if check and r.returncode:
        raise RuntimeError(f"vportctl {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout) if r.stdout.strip() else None


def vport(wwpn, wwnn, parent):
    """A vport fd on fc_host `parent`, logged in, LUNs scanned."""
    t = time.time()
    fd = vvp.create(wwpn, wwnn, vvp.PARENT_NAME, parent_name=parent, timeout_ms=30000)
    log(f"vport {naa(wwpn)} on {parent}: fd {fd}, {vvp.info(fd)['nr_rports']} rport(s),"
        f" targets {vvp.get_targets(fd)}, {time.time() - t:.1f}s")
    return fd


def blocked_tasks():
    """Stacks of the tasks in D state, and sysrq-w into the kernel log."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            if stat.split(") ")[1][0] != "D":
                continue
            with open(f"/proc/{pid}/stack") as f:
                out.append(f"{stat.split(' ')[:2]}:\n{f.read()}")
        except OSError:
            pass
    try:
        with open("/proc/sysrq-trigger", "w") as f:
            f.write("w")
    except OSError:
        pass
    return "\n".join(out)


def keep_consoles(prefix):
    """Copies the inner guests' consoles into the run's results folder
    (build/vm/results/<release>/), as PREFIX-<name>.console."""
    out = os.environ.get("VV_RESULTS")
    if not out:
        return
    for f in sorted(os.listdir(".")):
        if f.endswith(".console"):
            with open(f, "rb") as src, open(os.path.join(out, f"{prefix}-{f}"), "wb") as dst:
                dst.write(src.read())


def close_fd(fd, what, timeout=120):
    """Closes a vport fd (the last close deletes the vport); a close that
    hangs fails the test with the blocked tasks' stacks."""
    t = time.time()
    th = threading.Thread(target=os.close, args=(fd,), daemon=True)
    th.start()
    th.join(timeout)
    if th.is_alive():
        log(f"closing {what} hangs after {timeout}s; blocked tasks:\n{blocked_tasks()}")
        keep_consoles("hang")
        for f in sorted(os.listdir(".")):
            if f.endswith(".console"):
                with open(f, errors="replace") as fh:
                    lines = fh.read().splitlines()
                print(f"--- {f} (last 25 lines)\n" + "\n".join(lines[-25:]), flush=True)
        os._exit(1)
    log(f"closed {what} in {time.time() - t:.1f}s")


class Qemu:
    """An inner guest: TCG, qboot, uncompressed kernel and initrd, serial
    console on a unix socket (for input) logged to NAME.console."""

    def __init__(self, name, devices, append, incoming=None, mem=256, extra=(), prefix=(),
                 paused=False):
        """devices: [{"fd": int or "{fd}", "wwpn": ..., "addr": ...}]; an
        int fd is passed with pass_fds, "{fd}" is for prefix (vportctl exec
        or migrate prepare, which exec QEMU with the fd in its place).
        QMP: self.qmp_path for this object, self.qmp2 (a second monitor)
        for vportctl."""
        self.name = name
        self.console = os.path.abspath(f"{name}.console")
        self.serial = os.path.abspath(f"{name}.serial")
        self.qmp_path = os.path.abspath(f"{name}.qmp")
        self.qmp2 = os.path.abspath(f"{name}.qmp2")
        args = list(prefix) + ["qemu-system-x86_64", "-accel", "tcg", "-machine", "pc",
                "-m", str(mem), "-smp", "1", "-nodefaults", "-nographic",
                "-no-reboot", "-bios", "/usr/share/qemu/qboot.rom",
                "-kernel", KERNEL, "-initrd", INITRD,
                "-append", "console=ttyS0 quiet panic=-1 no_timer_check tsc=reliable lpj=4000000 " + append,
                "-chardev", f"socket,id=ser,path={self.serial},server=on,wait=off,"
                f"logfile={self.console}",
                "-serial", "chardev:ser",
                "-chardev", f"socket,id=qmp,path={self.qmp_path},server=on,wait=off",
                "-mon", "chardev=qmp,mode=control",
                "-chardev", f"socket,id=qmp2,path={self.qmp2},server=on,wait=off",
                "-mon", "chardev=qmp2,mode=control"]
        fds = []
        for d in devices:
            args += ["-device", f"vhost-scsi-pci,wwpn={d['wwpn']},vhostfd={d['fd']},"
                     f"addr={d['addr']},migratable=on"]
            if isinstance(d["fd"], int):
                fds.append(d["fd"])
        if paused:
            args += ["-S"]
        if incoming:
            args += ["-incoming", incoming]
        args += list(extra)
        self.stderr = open(f"{name}.stderr", "w")
        log(f"{name}: {' '.join(args)}")
        self.started = time.time()
        self.proc = subprocess.Popen(args, pass_fds=fds, stdin=subprocess.DEVNULL,
                                     stdout=self.stderr, stderr=self.stderr)
        self.qmp = None
        deadline = time.time() + 90   # vportctl creates a vport first
        while True:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.qmp_path)
                break
            except OSError:
                s.close()
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"{name}: QEMU did not start: {self.errors()}")
                time.sleep(0.1)
        self.qmp = s.makefile("rw")
        json.loads(self.qmp.readline())
        self.cmd("qmp_capabilities")

    def errors(self):
        self.stderr.flush()
        with open(f"{self.name}.stderr") as f:
            return f.read()[-2000:]

    def cmd(self, execute, **arguments):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.qmp.write(json.dumps(msg) + "\n")
        self.qmp.flush()
        while True:
            line = self.qmp.readline()
            if not line:
                raise RuntimeError(f"{self.name}: QMP closed ({self.errors()})")
            r = json.loads(line)
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError(f"{self.name}: {execute}: {r['error']}")

    def text(self):
        try:
            with open(self.console, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait(self, regex, timeout, start=0):
        """The first match of regex in the console after offset start."""
        deadline = time.time() + timeout
        while True:
            m = re.compile(regex, re.M).search(self.text(), start)
            if m:
                return m
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: QEMU exited ({self.proc.returncode}) "
                                   f"before /{regex}/: {self.errors()}\n{self.tail()}")
            if time.time() > deadline:
                raise RuntimeError(f"{self.name}: no /{regex}/ within {timeout}s:\n"
                                   f"{self.tail()}")
            time.sleep(0.5)

    def tail(self, n=30):
        return "\n".join("    > " + line for line in self.text().splitlines()[-n:])

    def send(self, line):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.serial)
        s.sendall(line.encode() + b"\n")
        time.sleep(0.3)
        s.close()

    def quit(self):
        if self.proc.poll() is None:
            try:
                self.cmd("quit")
            except (RuntimeError, OSError):
                pass
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                log(f"{self.name}: QEMU does not exit; blocked tasks:\n{blocked_tasks()}")
                os._exit(1)

    def finish(self, timeout):
        """Waits for the guest to power off."""
        self.proc.wait(timeout)


def migrate(src, dst, uri, wait_running=True):
    """Live-migrates src to dst (started with -incoming uri); returns
    query-migrate's final answer, with "completed_at" (time.time() when it
    was seen completed) added.  Raises unless it completes.  With
    wait_running, also waits for dst to run (it resumes by itself unless
    started with -S)."""
    src.cmd("migrate-set-capabilities",
            capabilities=[{"capability": "events", "state": True}])
    t = time.time()
    src.cmd("migrate", uri=uri)
    while True:
        q = src.cmd("query-migrate")
        st = q.get("status")
        if st == "completed":
            done = time.time()
            # QEMU fills in total-time and downtime just after it says
            # "completed".
            for _ in range(50):
                if q.get("total-time") and "downtime" in q:
                    break
                time.sleep(0.1)
                q = src.cmd("query-migrate")
            q["completed_at"] = done
            break
        if st in ("failed", "cancelled"):
            raise RuntimeError(f"migration {st}: {q}\n{dst.errors()}")
        if time.time() - t > 300:
            raise RuntimeError(f"migration still {st} after 300 s: {q}")
        time.sleep(0.05)
    # The destination runs on once it has the whole state.
    deadline = time.time() + 60
    while wait_running and dst.cmd("query-status")["status"] != "running":
        if time.time() > deadline:
            raise RuntimeError(f"destination not running: {dst.cmd('query-status')}")
        time.sleep(0.2)
    ram = q.get("ram", {})
    log(f"migration {src.name} -> {dst.name}: total {q.get('total-time')} ms, "
        f"downtime {q.get('downtime')} ms, setup {q.get('setup-time')} ms, "
        f"{ram.get('transferred', 0) >> 10} KiB sent, {ram.get('dirty-sync-count')} "
        f"dirty syncs, wall {time.time() - t:.1f}s")
    return q
