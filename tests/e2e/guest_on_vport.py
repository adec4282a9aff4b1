"""The body of guest-on-vport.sh (see there)."""
import os
import re
import subprocess
import sys
import time

import e2e
from e2e import log

T = "/sys/kernel/config/target"
STATE = "/run/vport-san"
TPG = f"{T}/fc/20:00:52:56:00:02:00:00/tpgt_1"
ACL_A = f"{TPG}/acls/21:00:00:00:5a:00:00:01"
IO = os.path.join(e2e.BUILD, "e2e", "e2e-io")


def fail(msg):
    print("FAILED:", msg, flush=True)
    sys.exit(1)


def add_lun(n, mb=16):
    """LUN n on target 0, mapped to vport A's WWPN only (named as vport-san
    names its LUNs, so that `vport-san down` removes it)."""
    dev = f"{T}/core/fileio_0/lun{n}"
    img = f"{STATE}/t0-lun{n}.img"
    os.makedirs(dev)
    with open(img, "wb") as f:
        f.truncate(mb << 20)
    with open(f"{dev}/control", "w") as f:
        f.write(f"fd_dev_name={img},fd_dev_size={mb << 20}")
    with open(f"{dev}/enable", "w") as f:
        f.write("1")
    os.mkdir(f"{TPG}/lun/lun_{n}")
    os.symlink(dev, f"{TPG}/lun/lun_{n}/backstore")
    os.mkdir(f"{ACL_A}/lun_{n}")
    os.symlink(f"{TPG}/lun/lun_{n}", f"{ACL_A}/lun_{n}/map")


def remove_lun(n):
    """Takes LUN n away from vport A's ACL (vport-san down removes the rest)."""
    os.unlink(f"{ACL_A}/lun_{n}/map")
    os.rmdir(f"{ACL_A}/lun_{n}")


def wait_vport_luns(host, done, what):
    """Waits up to 60 s until done(number of the vport's LUNs on the host)."""
    t = time.time()
    while not done(len(host_block_devices(host)[0])):
        if time.time() > t + 60:
            fail(f"the vport did not {what}: {host_block_devices(host)}")
        time.sleep(0.5)
    log(f"vport A did {what} after {time.time() - t:.1f}s: {host_block_devices(host)}")


def disks(text):
    """DISK lines: [(name, hctl, pci, bytes)] (text holds one listing)."""
    return [(m[0], m[1], m[2], int(m[3]))
            for m in re.findall(r"^DISK (\S+) (\S+) (\S*) (\d+)", text, re.M)]


def host_block_devices(host):
    """Block devices the host has for the LUNs of scsi host `host`."""
    found, luns = [], []
    no = host.removeprefix("host")
    for d in os.listdir("/sys/class/scsi_device"):
        if d.startswith(no + ":"):
            luns.append(d)
            b = f"/sys/class/scsi_device/{d}/device/block"
            if os.path.exists(b):
                found += os.listdir(b)
    return luns, found


parent = os.environ["PARENT"]
# Both vports as persistent definitions, created by `vportctl exec` when it
# starts QEMU: {fd:a} and {fd:m} in the command line become their fds.
with open(f"/sys/class/fc_host/{parent}/port_name") as f:
    parent_wwpn = f.read().strip()
os.environ["VPORT_STATE_DIR"] = os.path.abspath("vports")
for name, wwpn, wwnn in (("a", e2e.A_WWPN, e2e.A_WWNN), ("m", e2e.MASKED_WWPN, e2e.MASKED_WWNN)):
    e2e.vportctl("define", name, "--wwpn", e2e.colon(wwpn), "--wwnn", e2e.colon(wwnn),
                 "--parent-wwpn", parent_wwpn)
vm = e2e.Qemu("inner", [
    {"fd": "{fd:a}", "wwpn": "{wwpn:a}", "addr": "0x4"},
    {"fd": "{fd:m}", "wwpn": "{wwpn:m}", "addr": "0x5"},
], "e2e.mode=disks e2e.disks=2", prefix=[e2e.VPORTCTL, "exec", "--vport", "a", "--vport", "m", "--"])
host_a = e2e.vportctl("vport", "show", e2e.colon(e2e.A_WWPN))["host"]
luns, blk = host_block_devices(host_a)
log(f"host side: vport A is {host_a}, LUNs {luns}, block devices {blk}")
if len(luns) != 2 or blk:
    fail(f"host: vport A should have 2 bare LUNs and no block device: {luns} {blk}")

try:
    m = vm.wait(r"^E2E-BOOTED (\S+)", 400)
    boot = time.time() - vm.started
    log(f"inner guest booted: {boot:.1f}s wall (guest uptime {m.group(1)}s at init)")
    m = vm.wait(r"^E2E-WAIT lun-added", 300)
    log(f"inner guest ready {time.time() - vm.started:.1f}s after start")
    out = vm.text()
    print(out, flush=True)
    first = disks(out[:m.start()])
    log(f"inner guest disks: {first}")
    if len(first) != 2:
        fail(f"the guest should see exactly 2 disks: {first}")
    if any(d[2] != "0000:00:04.0" for d in first):
        fail(f"a disk is not on vport A's controller (00:04.0): {first}")
    if sorted(d[1].split(":")[3] for d in first) != ["0", "1"]:
        fail(f"the guest should see LUNs 0 and 1: {first}")
    feats = dict(re.findall(r"^FEATURES (\S+) ([01]+)", out, re.M))
    if "0000:00:05.0" not in feats:
        fail(f"no virtio-scsi controller for the masked vport: {feats}")
    hotplug = {pci: len(bits) > 1 and bits[1] == "1" for pci, bits in feats.items()}
    log(f"negotiated VIRTIO_SCSI_F_HOTPLUG per controller: {hotplug}")
    for i, (name, hctl, pci, size) in enumerate(first):
        if f"E2E-PATTERN {name} seed={i + 1} ok" not in out:
            fail(f"pattern on {name} failed in the guest")
        lun = hctl.split(":")[3]
        img = f"{STATE}/t0-lun{lun}.img"
        r = subprocess.run([IO, "verify", img, str(i + 1), "16", "64"],
                           capture_output=True, text=True)
        log(f"backstore: {r.stdout.strip()}")
        if r.returncode:
            fail(f"{img} does not hold what the guest wrote to {name}")

    add_lun(2)
    log("LUN 2 added on the target, mapped to vport A")
    # The vport finds it by polling its targets' LUN inventory.
    wait_vport_luns(host_a, lambda n: n >= 3, "find LUN 2")
    mark = len(vm.text())
    vm.send("lun-added")
    vm.wait(r"^E2E-WAIT lun-removed", 300, mark)
    out2 = vm.text()[mark:]
    print(out2, flush=True)
    hp = re.search(r"^E2E-HOTPLUG (.*)", out2, re.M).group(1)
    followed = re.search(r"^E2E-FOLLOWED (.*)", out2, re.M)
    klog = re.findall(r"^E2E-KLOG (.*)", out2, re.M)
    last = disks(out2)
    log(f"after the LUN was added: disks {last}")
    if len(last) != 3 or sorted(d[1].split(":")[3] for d in last) != ["0", "1", "2"]:
        fail(f"the guest should have LUNs 0, 1, 2 on vport A without a manual rescan: {last}")
    if not re.search(r"E2E-PATTERN \S+ seed=9 ok", out2):
        fail("pattern on the new LUN failed")
    if any(hotplug.values()):
        if not hp.startswith("appeared-by-itself"):
            fail(f"HOTPLUG negotiated but the new LUN did not appear by itself: {hp}")
    else:
        if not followed or not followed.group(1).startswith("added"):
            fail(f"the guest did not follow the new LUN: {followed and followed.group(1)}")
        log("FINDING: QEMU 7.2 vhost-scsi-pci did not negotiate VIRTIO_SCSI_F_HOTPLUG; "
            f"the new LUN: {hp}, then {followed.group(1)} (the guest's I/O got REPORTED LUNS "
            f"DATA HAS CHANGED and its uevent handler rescanned); kernel said: {klog}")
    results_add = followed.group(1) if followed else hp

    remove_lun(2)
    log("LUN 2 removed from vport A's ACL on the target")
    wait_vport_luns(host_a, lambda n: n <= 2, "drop LUN 2")
    mark = len(vm.text())
    vm.send("lun-removed")
    vm.wait(r"^E2E-WAIT done", 300, mark)
    out3 = vm.text()[mark:]
    print(out3, flush=True)
    followed = re.search(r"^E2E-FOLLOWED (.*)", out3, re.M)
    final = disks(out3)
    log(f"after the LUN was removed: disks {final}; {followed and followed.group(1)}")
    if sorted(d[1].split(":")[3] for d in final) != ["0", "1"]:
        fail(f"the guest should be back to LUNs 0 and 1 without a manual rescan: {final}")
    luns, blk = host_block_devices(host_a)
    if blk:
        fail(f"the host has block devices for vport A's LUNs: {blk}")
    vm.send("done")
    vm.wait(r"^E2E-END", 120, mark)
    vm.finish(60)
    print(f"guest-on-vport: LUN added -> {results_add}; LUN removed -> "
          f"{followed.group(1) if followed else '?'}", flush=True)
finally:
    e2e.keep_consoles("guest-on-vport")
    vm.quit()
log("guest-on-vport ok")
