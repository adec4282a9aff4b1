"""Live migration A -> B -> A of an inner guest under verified I/O; the body
of migrate.sh (backend vport) and migrate-intree.sh (backend intree).

  python3 migration.py vport PARENT_A PARENT_B
  python3 migration.py intree WWPN_A WWPN_B     (LIO vhost TPGs on one backstore)
  python3 migration.py ram                      (control: a RAM disk in the guest,
                                                 no storage device at all)

vport: the source QEMU comes from `vportctl exec` (vport A), each
destination from `vportctl migrate prepare` (vport B, then a new A), and
each switch-over is `vportctl migrate commit`; before the first hop a
prepared destination is rolled back with `vportctl migrate abort`.  The
guest holds a Write Exclusive persistent reservation (sg_persist in the
guest, e2e.prkey) the whole time: after every step a third initiator, vport
C, must still be refused writes, and READ FULL STATUS through C must show
the reservation held by the guest's current vport and no one else
registered.

The guest runs `e2e-io stress` (see e2e-io.c) from before the first
migration until after the second; its RESULT line counts every page whose
read data was wrong when checked (stale_poison: the device's data never
reached the page; stale_seq: an older write) and every block that lost an
acknowledged write.  Prints one MIGRATION line per migration and a SUMMARY
line; exits 1 if anything was lost (the intree wrapper reports instead).
"""
import json
import os
import re
import subprocess
import sys
import time

import e2e
import prstatus  # tests/guest/vport, on the path through e2e
from e2e import log, naa

backend = sys.argv[1]
STRESS = "e2e.mode=stress e2e.blocks=2048 e2e.pools=8 e2e.pages=128"
PRKEY = "0x5a5a0001"
C_WWPN, C_WWNN = 0x210000005a000003, 0x200000005a000003
if backend == "ram":
    STRESS += " e2e.disk=ram"
if backend == "vport":
    STRESS += f" e2e.prkey={PRKEY}"
    SIDES = {"A": (e2e.A_WWPN, e2e.A_WWNN, sys.argv[2]), "B": (e2e.B_WWPN, e2e.B_WWNN, sys.argv[3])}
IO_LINE = r"^io t=(\d+) step=(\d+) writes=(\d+) reads=(\d+) verified=(\d+) bad=(\d+)"
results = {"backend": backend, "kernel": e2e.KVER, "migrations": []}


def open_backend(side):
    """(fd, wwpn string) of side 'A' or 'B' (in-tree)."""
    fd = os.open("/dev/vhost-scsi", os.O_RDWR)
    return fd, sys.argv[2] if side == "A" else sys.argv[3]


def vport_cmdline(side, source=None):
    """vportctl exec (no source) or migrate prepare --from source: the
    prefix that creates the side's vport and execs QEMU with it."""
    wwpn, wwnn, parent = SIDES[side]
    vp = ["--wwpn", e2e.colon(wwpn), "--wwnn", e2e.colon(wwnn), "--parent", parent]
    if source is None:
        return [e2e.VPORTCTL, "exec", *vp, "--"]
    return [e2e.VPORTCTL, "-j", "migrate", "prepare", "--from", e2e.colon(SIDES[source][0]),
            *vp, "--lun-wait", "60", "--"]


def start(name, side, source=None, incoming=None):
    if backend == "vport":
        return e2e.Qemu(name, [{"fd": "{fd}", "wwpn": "{wwpn}", "addr": "0x4"}], STRESS,
                        incoming=incoming, paused=source is not None,
                        prefix=vport_cmdline(side, source)), None
    if backend == "ram":
        return e2e.Qemu(name, [], STRESS, incoming=incoming), None
    fd, wwpn = open_backend(side)
    return e2e.Qemu(name, [{"fd": fd, "wwpn": wwpn, "addr": "0x4"}], STRESS,
                    incoming=incoming), fd


def prepared(vm):
    """migrate prepare's JSON, the first line of the destination's stdout."""
    with open(f"{vm.name}.stderr") as f:
        line = f.readline()
    d = json.loads(line)
    log(f"{vm.name}: prepared {d['to']} from {d['from']} in {d['ms']} ms: "
        f"{d['luns_checked']} LUN(s) checked, targets {d['targets']}, "
        f"reservations {[(r['action'], r.get('key'), r['reservation']) for r in d['reservations']]}")
    if [r["action"] for r in d["reservations"]] != ["registered"]:
        raise RuntimeError(f"prepare should have registered B with the guest's key: {d}")
    return d


class ThirdInitiator:
    """Vport C (WWPN ...:03, in the LUN's ACL like A and B), held by a
    sleep under vportctl exec; checks the guest's reservation from outside."""

    def __init__(self):
        wwpn, wwnn, parent = C_WWPN, C_WWNN, SIDES["A"][2]
        self.proc = subprocess.Popen(
            [e2e.VPORTCTL, "exec", "--wwpn", e2e.colon(wwpn), "--wwnn", e2e.colon(wwnn),
             "--parent", parent, "--", "sh", "-c", "exec sleep 100000", "{fd}"])
        deadline = time.time() + 90
        while True:
            r = subprocess.run([e2e.VPORTCTL, "-j", "vport", "show", e2e.colon(wwpn)],
                               capture_output=True, text=True)
            if r.returncode == 0 and json.loads(r.stdout).get("host"):
                host = json.loads(r.stdout)["host"]
                self.dev = f"/dev/bsg/{host[4:]}:0:0:0"
                if os.path.exists(self.dev):
                    break
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"vport C did not come up: {r.stderr}")
            time.sleep(0.5)
        log(f"third initiator C {e2e.colon(wwpn)}: {self.dev}")

    def sg(self, tool, *args):
        """An sg3-utils tool on C's LUN 0 (the device goes first for sg_raw,
        last for the others), again after a unit attention."""
        argv = [tool, self.dev, *args] if tool == "sg_raw" else [tool, *args, self.dev]
        for _ in range(4):
            r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
            if r.returncode == 0 or "unit attention" not in (r.stdout + r.stderr).lower():
                return r
        return r

    def registrations(self):
        """[(key, initiator hex, holder?)] from READ FULL STATUS through C."""
        r = self.sg("sg_persist", "--in", "--read-full-status")
        if r.returncode:
            raise RuntimeError(f"READ FULL STATUS through C: {r.stdout}{r.stderr}")
        return prstatus.parse(r.stdout)

    def check(self, holder, others=(), when=""):
        """The reservation is held by WWPN holder with the guest's key, the
        only other registrations are others, and C cannot write."""
        regs = self.registrations()
        want = sorted([(PRKEY, f"{holder:016x}", True)] +
                      [(PRKEY, f"{w:016x}", False) for w in others])
        if sorted(regs) != want:
            raise RuntimeError(f"{when}: READ FULL STATUS through C: {regs}, want {want}")
        # WRITE(10) of one 512-byte block far outside the workload's 8 MiB.
        w = self.sg("sg_raw", "-s", "512", "-i", "/dev/zero", "2a", "00", "00", "00", "5d",
                    "c0", "00", "00", "01", "00")
        if "reservation conflict" not in (w.stdout + w.stderr).lower():
            raise RuntimeError(f"{when}: C's WRITE was not refused: rc {w.returncode} "
                               f"{w.stdout}{w.stderr}")
        log(f"{when}: reservation held by {e2e.colon(holder)} with {PRKEY}, "
            f"{len(regs)} registration(s), C's WRITE refused (RESERVATION CONFLICT)")
        results.setdefault("pr_checks", []).append(when)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(60)


def wait_io(vm, n, start, timeout=300):
    """Waits for n progress lines after offset start; returns the last."""
    m = None
    for _ in range(n):
        m = vm.wait(IO_LINE, timeout, start)
        start = m.end()
    return m


def hop(src, src_fd, side, n):
    """Migrates src to a new QEMU on backend side; returns (vm, fd)."""
    from_side = "A" if side == "B" else "B"
    uri = f"unix:{os.path.abspath(f'mig{n}.sock')}"
    dst, fd = start(f"vm{n}-{side}", side, source=from_side, incoming=uri)
    if backend == "vport":
        prepared(dst)
        third.check(SIDES[from_side][0], [SIDES[side][0]], f"hop {n} prepared")
    before = wait_io(src, 1, len(src.text()))
    q = e2e.migrate(src, dst, uri, wait_running=backend != "vport")
    ram = q.get("ram", {})
    rec = {"from": src.name, "to": dst.name, "total_ms": q.get("total-time"),
           "downtime_ms": q.get("downtime"), "setup_ms": q.get("setup-time"),
           "transferred_kib": ram.get("transferred", 0) >> 10,
           "dirty_syncs": ram.get("dirty-sync-count"), "step_before": int(before.group(2))}
    if backend == "vport":
        # The switch-over: the reservation moves to the destination's
        # vport before it resumes; the source QEMU quits and its vport goes.
        t = time.time()
        try:
            c = e2e.vportctl("migrate", "commit", "--from", e2e.colon(SIDES[from_side][0]),
                             "--to", e2e.colon(SIDES[side][0]), "--qmp", dst.qmp2,
                             "--source-qmp", src.qmp2, "--timeout", "120", timeout=400)
        except Exception:
            log(f"commit failed; blocked tasks:\n{e2e.blocked_tasks()}")
            raise
        rec["commit_ms"] = c["ms"]
        rec["reservations_ms"] = c["reservations_ms"]
        # Guest paused: QEMU's downtime, then until commit's cont.
        rec["paused_ms"] = round(q["downtime"] + (t - q["completed_at"]) * 1000 +
                                 c["resumed_after_ms"])
        log(f"commit: {c}")
        if not (c["resumed"] and c["source_vport_deleted"]):
            raise RuntimeError(f"commit: {c}")
        third.check(SIDES[side][0], [], f"hop {n} committed")
    src.quit()
    if src_fd is not None:
        e2e.close_fd(src_fd, f"the source's fd ({src.name})")
    # What the workload had verified on the source, up to its last report.
    last = list(re.finditer(IO_LINE, src.text(), re.M))
    rec["source_bad"] = int(last[-1].group(6)) if last else None
    results["migrations"].append(rec)
    return dst, fd, rec


def going_on(vm, rec):
    """The workload goes on at the destination."""
    m = wait_io(vm, 2, 0)
    rec["step_after"] = int(m.group(2))
    log(f"destination {vm.name} doing I/O: {m.group(0)}")
    print("MIGRATION " + json.dumps(rec), flush=True)


def abort_once(src):
    """A destination prepared and rolled back: the guest stays on A."""
    dst, _ = start("vm-abort-B", "B", source="A", incoming="unix:" + os.path.abspath("abort.sock"))
    prepared(dst)
    third.check(SIDES["A"][0], [SIDES["B"][0]], "abort: prepared")
    mark = len(src.text())
    a = e2e.vportctl("migrate", "abort", "--from", e2e.colon(SIDES["A"][0]), "--to",
                     e2e.colon(SIDES["B"][0]), "--qmp", dst.qmp2, "--source-qmp", src.qmp2,
                     "--timeout", "120", timeout=400)
    log(f"abort: {a}")
    dst.quit()
    if not (a["destination_quit"] and a["destination_vport_deleted"]):
        raise RuntimeError(f"abort: {a}")
    third.check(SIDES["A"][0], [], "abort: rolled back")
    m = wait_io(src, 2, mark)
    log(f"the source goes on after the abort: {m.group(0)}")
    results["abort_ms"] = a["ms"]


third = None
vm, fd = start("vm0-A", "A")
try:
    vm.wait(r"^E2E-BOOTED", 400)
    results["inner_boot_s"] = round(time.time() - vm.started, 1)
    log(f"inner guest booted in {results['inner_boot_s']}s")
    if backend == "vport":
        m = vm.wait(r"^E2E-PR (reserved|FAILED).*", 300)
        log(m.group(0))
        if "FAILED" in m.group(0):
            raise RuntimeError(f"the guest could not reserve its disk:\n{vm.tail()}")
        third = ThirdInitiator()
        third.check(SIDES["A"][0], [], "guest reserved through A")
    m = vm.wait(r"^stress: filled.*", 300)
    log(m.group(0))
    m = wait_io(vm, 2, m.end())
    log(f"source doing I/O: {m.group(0)}")
    if backend == "vport":
        abort_once(vm)
    vm, fd, rec1 = hop(vm, fd, "B", 1)
    going_on(vm, rec1)
    # The return hop.  Its source is the QEMU that received the first
    # migration; QEMU 7.2 under TCG loses guest memory writes when such a
    # QEMU migrates again, with or without any storage device (the control,
    # migrate-control.sh, shows it on a RAM disk).  So past this point only
    # what the storage path owns gates: the reservation checks, the data
    # the workload verified before the return hop began (on either side),
    # device data missing on the destination (poison) and lost acknowledged
    # writes.  The guest dying or its memory going stale after the return
    # hop is reported as QEMU's.
    vm, fd, rec2 = hop(vm, fd, "A", 2)
    if rec1.get("source_bad") or rec2.get("source_bad"):
        raise RuntimeError(f"the workload saw bad data before the return hop: {rec1} {rec2}")
    res = None
    try:
        going_on(vm, rec2)
        mark = len(vm.text())
        vm.send("stop")
        m = vm.wait(r"^RESULT .*", 600, mark)
        res = dict((k, float(v) if "." in v else int(v))
                   for k, v in re.findall(r"(\w+)=([\d.]+)", m.group(0)))
        vm.wait(r"^E2E-END", 120, m.end())
        print(vm.text()[mark:], flush=True)
    except RuntimeError as e:
        if backend != "vport":
            raise
        results["return_hop"] = {"verdict": "guest lost (QEMU TCG second migration)",
                                 "detail": str(e)[-600:]}
        log(f"RETURN-HOP: the guest did not survive the return hop: {str(e)[-600:]}")
        print(f"--- {vm.name}.console (start)\n" + vm.text()[:3000], flush=True)
        print("MIGRATION " + json.dumps(rec2), flush=True)
    if res is not None and backend == "vport":
        # The guest's own view at the end, through the vport it now runs on.
        tail = vm.text()[mark:]
        keys = re.findall(r"^E2E-PR-KEYS\s+(0x[0-9a-f]+)\s*$", tail, re.M)
        res_line = re.search(r"^E2E-PR-RES.*Key=(0x[0-9a-f]+)", tail, re.M)
        res_type = re.search(r"^E2E-PR-RES.*scope: \S+,\s+type: (.*)$", tail, re.M)
        log(f"guest's sg_persist at the end: keys {keys}, reservation "
            f"{res_line and res_line.group(1)} {res_type and res_type.group(1)}")
        if keys != [PRKEY] or not res_line or res_line.group(1) != PRKEY or \
                not res_type or "Write Exclusive" not in res_type.group(1):
            raise RuntimeError("the guest's reservation did not survive the migrations")
        results["guest_pr"] = {"keys": keys, "reservation": res_type.group(1).strip()}
    if res is not None:
        vm.finish(60)
except BaseException:
    for f in sorted(os.listdir(".")):
        if f.endswith(".console"):
            with open(f, errors="replace") as fh:
                lines = fh.read().splitlines()
            print(f"--- {f} (last 25 lines)\n" + "\n".join(lines[-25:]), flush=True)
    raise
finally:
    e2e.keep_consoles(f"migrate-{backend}")
    vm.quit()
    if third:
        third.stop()
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass

text = ""
for f in sorted(os.listdir(".")):
    if f.endswith(".console"):
        with open(f, errors="replace") as fh:
            text += fh.read()
mismatch_lines = re.findall(r"^MISMATCH .*", text, re.M)
for line in mismatch_lines[:20]:
    print(line, flush=True)
results["workload"] = res
results["mismatch_lines"] = len(mismatch_lines)
res = res or {}
bad = sum(res.get(k, 0) for k in ("stale_poison", "stale_seq", "newer", "wrong_block",
                                  "corrupt", "lost_writes", "final_corrupt"))
results["bad"] = bad
# What gates (see the return hop above): device data missing anywhere,
# lost acknowledged writes, and any mismatch of a page read before the
# return hop began.
hop2_step = results["migrations"][-1]["step_before"]
early = [m for m in mismatch_lines
         if int(re.search(r"read in step (\d+)", m).group(1)) < hop2_step]
gating = res.get("stale_poison", 0) + res.get("lost_writes", 0) + len(early)
if bad and not gating and backend == "vport":
    results.setdefault("return_hop", {"verdict": "guest memory stale after the return hop "
                                      "(QEMU TCG second migration)",
                                      "detail": mismatch_lines[:5]})
    log(f"RETURN-HOP: {bad} stale or corrupt page(s), all read after the return hop "
        "began and none of them device data missing: QEMU's, not gating")
results["gating_bad"] = gating
results.setdefault("return_hop", {"verdict": "clean"})
print("SUMMARY " + json.dumps(results), flush=True)
out = os.environ.get("VV_RESULTS")
if out:
    with open(os.path.join(out, f"e2e-migration-{backend}.json"), "w") as f:
        json.dump(results, f, indent=1)
if backend != "vport":
    sys.exit(1 if bad or mismatch_lines else 0)
sys.exit(1 if gating else 0)
