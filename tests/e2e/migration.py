"""Live migration A -> B -> A of an inner guest under verified I/O; the body
of migrate.sh (backend vport) and migrate-intree.sh (backend intree).

  python3 migration.py vport PARENT_A PARENT_B
  python3 migration.py intree WWPN_A WWPN_B     (LIO vhost TPGs on one backstore)

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
import sys
import time

import e2e
from e2e import log, naa

backend = sys.argv[1]
STRESS = "e2e.mode=stress e2e.blocks=2048 e2e.pools=8 e2e.pages=128"
IO_LINE = r"^io t=(\d+) step=(\d+) writes=(\d+) reads=(\d+) verified=(\d+) bad=(\d+)"
results = {"backend": backend, "kernel": e2e.KVER, "migrations": []}


def open_backend(side):
    """(fd, wwpn string) of side 'A' or 'B'."""
    if backend == "vport":
        wwpn, wwnn = (e2e.A_WWPN, e2e.A_WWNN) if side == "A" else (e2e.B_WWPN, e2e.B_WWNN)
        fd = e2e.vport(wwpn, wwnn, sys.argv[2] if side == "A" else sys.argv[3])
        return fd, naa(wwpn)
    fd = os.open("/dev/vhost-scsi", os.O_RDWR)
    return fd, sys.argv[2] if side == "A" else sys.argv[3]


def copy_targets(src_fd, dst_fd):
    if backend != "vport":
        return
    table = e2e.vvp.get_targets(src_fd)
    e2e.vvp.set_targets(dst_fd, [(tid, wwpn, 0) for tid, wwpn in sorted(table.items())])
    got = e2e.vvp.get_targets(dst_fd)
    log(f"target table copied: {table} -> {got}")
    if got != table:
        raise RuntimeError(f"SET_TARGETS: the destination has {got}, not {table}")


def wait_io(vm, n, start, timeout=300):
    """Waits for n progress lines after offset start; returns the last."""
    m = None
    for _ in range(n):
        m = vm.wait(IO_LINE, timeout, start)
        start = m.end()
    return m


def hop(src, src_fd, side, n):
    """Migrates src to a new QEMU on backend side; returns (vm, fd)."""
    fd, wwpn = open_backend(side)
    copy_targets(src_fd, fd)
    uri = f"unix:{os.path.abspath(f'mig{n}.sock')}"
    dst = e2e.Qemu(f"vm{n}-{side}", [{"fd": fd, "wwpn": wwpn, "addr": "0x4"}], STRESS,
                   incoming=uri)
    before = wait_io(src, 1, len(src.text()))
    q = e2e.migrate(src, dst, uri)
    ram = q.get("ram", {})
    rec = {"from": src.name, "to": dst.name, "total_ms": q.get("total-time"),
           "downtime_ms": q.get("downtime"), "setup_ms": q.get("setup-time"),
           "transferred_kib": ram.get("transferred", 0) >> 10,
           "dirty_syncs": ram.get("dirty-sync-count"), "step_before": int(before.group(2))}
    src.quit()
    e2e.close_fd(src_fd, f"the source's fd ({src.name})")
    # The workload goes on at the destination.
    m = wait_io(dst, 2, 0)
    rec["step_after"] = int(m.group(2))
    log(f"destination {dst.name} doing I/O: {m.group(0)}")
    print("MIGRATION " + json.dumps(rec), flush=True)
    results["migrations"].append(rec)
    return dst, fd


fd, wwpn = open_backend("A")
vm = e2e.Qemu("vm0-A", [{"fd": fd, "wwpn": wwpn, "addr": "0x4"}], STRESS)
try:
    vm.wait(r"^E2E-BOOTED", 400)
    results["inner_boot_s"] = round(time.time() - vm.started, 1)
    log(f"inner guest booted in {results['inner_boot_s']}s")
    m = vm.wait(r"^stress: filled.*", 300)
    log(m.group(0))
    m = wait_io(vm, 2, m.end())
    log(f"source doing I/O: {m.group(0)}")
    vm, fd = hop(vm, fd, "B", 1)
    vm, fd = hop(vm, fd, "A", 2)
    mark = len(vm.text())
    vm.send("stop")
    m = vm.wait(r"^RESULT .*", 600, mark)
    print(vm.text()[mark:], flush=True)
    res = dict((k, float(v) if "." in v else int(v))
               for k, v in re.findall(r"(\w+)=([\d.]+)", m.group(0)))
    vm.wait(r"^E2E-END", 120, m.end())
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
bad = sum(res.get(k, 0) for k in ("stale_poison", "stale_seq", "newer", "wrong_block",
                                  "corrupt", "lost_writes", "final_corrupt"))
results["bad"] = bad
print("SUMMARY " + json.dumps(results), flush=True)
out = os.environ.get("VV_RESULTS")
if out:
    with open(os.path.join(out, f"e2e-migration-{backend}.json"), "w") as f:
        json.dump(results, f, indent=1)
sys.exit(1 if bad or mismatch_lines else 0)
