#!/bin/bash
# VHOST_VPORT_CREATE on the software SAN: a vport made through the ioctl logs
# in, its LUNs stay off the host, the choice of parent works by name, WWPN
# and fabric, refusals that need a fabric get their own errno, and closing
# the fd deletes the vport.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 2 --targets 1 --luns 2
modprobe sd_mod		# so a LUN that leaked to the host would get a disk

h0=$(host_of vsan-i0)
h1=$(host_of vsan-i1)
log "initiator ports: $h0 $h1"

PYTHONPATH=$VV_ROOT/tests/guest/vport python3 - "$h0" "$h1" <<'PY'
import errno, glob, os, subprocess, sys, time
import vvp

h0, h1 = sys.argv[1:3]
A, AN = 0x210000005a000001, 0x200000005a000001
B, BN = 0x210000005a000002, 0x200000005a000002
MASKED, MASKEDN = 0x210000005a0000ff, 0x200000005a0000ff

def sysfs(path):
    with open(path) as f:
        return f.read().strip()

def vports():
    return sorted(glob.glob("/sys/class/fc_vports/vport-*"))

def luns_of(host):
    return sorted(os.path.basename(d) for d in
                  glob.glob(f"/sys/class/scsi_device/{host[4:]}:*"))

parent_wwpn = int(sysfs(f"/sys/class/fc_host/{h0}/port_name"), 16)
fabric = int(sysfs(f"/sys/class/fc_host/{h0}/fabric_name"), 16)

# By name.
t0 = time.monotonic()
fd = vvp.create(A, AN, vvp.PARENT_NAME, parent_name=h0)
print(f"ok: created by name in {time.monotonic() - t0:.2f} s")
info = vvp.info(fd)
print("info:", info)
assert info["wwpn"] == A and info["wwnn"] == AN
assert info["parent"] == h0, info
assert info["parent_wwpn"] == parent_wwpn and info["fabric_name"] == fabric
assert info["nr_rports"] >= 1, "no remote port known after create"
assert info["port_id"] != 0
assert sysfs(f"/sys/class/fc_host/{info['host']}/port_state") == "Online"
assert len(vports()) == 1

# Its LUNs are on the vport's host but bound to no upper-level driver.
deadline = time.monotonic() + 10
while len(luns_of(info["host"])) < 2 and time.monotonic() < deadline:
    time.sleep(0.1)
luns = luns_of(info["host"])
assert len(luns) == 2, f"expected 2 LUNs on {info['host']}, saw {luns}"
for lun in luns:
    dev = f"/sys/class/scsi_device/{lun}/device"
    assert not os.path.exists(f"{dev}/driver"), f"{lun} is bound to a driver"
    assert not glob.glob(f"{dev}/block/*"), f"{lun} has a block device"
print(f"ok: LUNs {luns} hidden from the host (no driver, no block device)")

# The same WWPN again, on either port: in use locally.
vvp.expect_errno(errno.EADDRINUSE, vvp.create, A, AN)
vvp.expect_errno(errno.EADDRINUSE, vvp.create, A, AN, vvp.PARENT_NAME, parent_name=h1)
# A physical port's own WWPN.
vvp.expect_errno(errno.EADDRINUSE, vvp.create,
                 int(sysfs(f"/sys/class/fc_host/{h1}/port_name"), 16), BN)
print("ok: WWPN in use: EADDRINUSE")

# By parent WWPN and by fabric name, while the first is open.
fd2 = vvp.create(B, BN, vvp.PARENT_WWPN, parent_wwn=parent_wwpn)
assert vvp.info(fd2)["parent"] == h0
os.close(fd2)
fd2 = vvp.create(B, BN, vvp.PARENT_FABRIC, parent_wwn=fabric)
assert vvp.info(fd2)["fabric_name"] == fabric
os.close(fd2)
print("ok: parent by WWPN and by fabric")

# A WWPN the targets do not mask in: logs in, sees the target port, no LUN.
fd3 = vvp.create(MASKED, MASKEDN, vvp.PARENT_NAME, parent_name=h1)
host3 = vvp.info(fd3)["host"]
time.sleep(1)
assert luns_of(host3) == [], f"masked vport sees {luns_of(host3)}"
os.close(fd3)
print("ok: masked WWPN sees no LUN")

# Closing deletes the vport and gives the parent its slot back.
os.close(fd)
assert vports() == [], f"vports left: {vports()}"
for h in (h0, h1):
    assert sysfs(f"/sys/class/fc_host/{h}/npiv_vports_inuse") == "0"
print("ok: close deletes the vport")
PY

# A parent whose link is down: refused before anything is created.
"$SAN" link down "$h1"
wait_for 20 grep -qv Online "/sys/class/fc_host/$h1/port_state" || die "$h1 stayed Online"
PYTHONPATH=$VV_ROOT/tests/guest/vport python3 -c "
import errno, vvp
vvp.expect_errno(errno.ENETDOWN, vvp.create, 0x210000005a000003, 0x200000005a000003,
                 vvp.PARENT_NAME, parent_name='$h1')
print('ok: parent link down: ENETDOWN')"
"$SAN" link up "$h1"
[[ -z $(ls /sys/class/fc_vports) ]] || die "a vport was left behind"

# The module cannot go while a vport fd is open, and can once it is closed.
PYTHONPATH=$VV_ROOT/tests/guest/vport python3 -c "
import time, vvp
fd = vvp.create(0x210000005a000004, 0x200000005a000004)
open('/tmp/holder-ready', 'w').close()
time.sleep(600)" &
holder=$!
wait_for 60 test -e /tmp/holder-ready || die "no vport within 60 s"
if rmmod vhost_vport 2>/dev/null; then die "module unloaded with a vport open"; fi
log "ok: rmmod refused while a vport exists"
kill "$holder"
wait "$holder" 2>/dev/null || true
wait_for 20 test -z "$(ls /sys/class/fc_vports)" || die "vport left after its holder exited"
vv_unload
log "ok: module unloaded after the last vport went"
