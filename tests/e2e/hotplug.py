"""The body of hotplug.sh (see there)."""
import os
import re
import subprocess
import sys

import e2e
from e2e import log

VPORTCTL = os.path.join(e2e.BUILD, "user", "tools", "vportctl", "vportctl")
parent = os.environ["PARENT"]


def fail(msg):
    print("FAILED:", msg, flush=True)
    sys.exit(1)


def vportctl(*args, ok=True):
    r = subprocess.run([VPORTCTL, *args], capture_output=True, text=True)
    log(f"vportctl {' '.join(args)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    if ok and r.returncode:
        fail(f"vportctl {args[0]} failed")
    return r


def fc_vports():
    return sorted(os.listdir("/sys/class/fc_vports"))


def listing(vm):
    mark = len(vm.text())
    vm.send("list")
    m = vm.wait(r"^E2E-LISTED", 120, mark)
    return re.findall(r"^DISK (\S+) (\S+)", vm.text()[mark:m.start()], re.M)


vm = e2e.Qemu("hp", [], "e2e.mode=hotplug")
qmp2 = vm.qmp2
try:
    m = vm.wait(r"^E2E-BOOTED (\S+)", 600)
    log(f"inner guest booted after {m.group(1)} s of guest uptime")
    vm.wait(r"^E2E-WAIT command", 120)
    if listing(vm):
        fail("the guest has disks before the attach")
    if fc_vports():
        fail(f"vports before the attach: {fc_vports()}")

    vportctl("attach", "--qmp", qmp2, "--id", "vs1", "--wwpn", "21:00:00:00:5a:00:00:01",
             "--wwnn", "20:00:00:00:5a:00:00:01", "--parent", parent)
    if len(fc_vports()) != 1:
        fail(f"one vport expected after attach, got {fc_vports()}")
    disks = []
    for _ in range(30):
        disks = listing(vm)
        if len(disks) == 2:
            break
    log(f"guest disks after attach: {disks}")
    if len(disks) != 2:
        fail(f"the guest should see the vport's 2 LUNs, sees {disks}")

    r = vportctl("detach", "--qmp", qmp2, "--id", "vs1", "--timeout", "120")
    disks = listing(vm)
    log(f"guest disks after detach: {disks}, vports {fc_vports()}")
    if disks:
        fail(f"the guest still has disks after detach: {disks}")
    if fc_vports():
        fail(f"the vport outlived the detach: {fc_vports()}")
    vm.send("done")
    vm.wait(r"^E2E-END", 120)
    vm.finish(60)
    print("hotplug: attach gave the guest 2 disks, detach removed them and the vport", flush=True)
finally:
    vm.quit()
