#!/bin/bash
# Every refusal of VHOST_VPORT_CREATE that needs no fabric: its own errno,
# one kernel log line naming the WWPN, nothing left behind.
source "$VV_ROOT/tests/guest/lib.sh"
vv_load
trap 'vv_unload' EXIT
modprobe scsi_debug	# a SCSI host that is not Fibre Channel
host=$(basename "$(ls -d /sys/class/scsi_host/host* | head -n 1)")
log "non-FC host: $host"

PYTHONPATH=$VV_ROOT/tests/guest/vport python3 - "$host" <<'PY'
import errno, os, subprocess, sys
import vvp

host = sys.argv[1]
A, B = 0x2101001b32a90004, 0x2001001b32a90004

def kmsg_mentions(wwpn):
    out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    return f"wwpn 0x{wwpn:016x}" in out

cases = [
    ("zero WWPN", errno.EINVAL, dict(wwpn=0, wwnn=B)),
    ("NAA type 4", errno.EINVAL, dict(wwpn=0x4101001b32a90004, wwnn=B)),
    ("NAA type 0 WWNN", errno.EINVAL, dict(wwpn=A, wwnn=0x0001001b32a90004)),
    ("WWPN equal to WWNN", errno.EINVAL, dict(wwpn=A, wwnn=A)),
    ("unknown flag", errno.EINVAL, dict(wwpn=A, wwnn=B, flags=1)),
    ("reserved field", errno.EINVAL, dict(wwpn=A, wwnn=B, reserved=(0, 0, 7, 0, 0))),
    ("unknown parent mode", errno.EINVAL, dict(wwpn=A, wwnn=B, parent_by=9)),
    ("unterminated name", errno.EINVAL,
     dict(wwpn=A, wwnn=B, parent_by=vvp.PARENT_NAME, parent_name="h" * 32)),
    ("no FC port at all", errno.ENODEV, dict(wwpn=A + 1, wwnn=B)),
    ("no such parent", errno.ENODEV,
     dict(wwpn=A + 2, wwnn=B, parent_by=vvp.PARENT_NAME, parent_name="host999")),
    ("parent not FC", errno.ENXIO,
     dict(wwpn=A + 3, wwnn=B, parent_by=vvp.PARENT_NAME, parent_name=host)),
    ("no such parent WWPN", errno.ENODEV,
     dict(wwpn=A + 4, wwnn=B, parent_by=vvp.PARENT_WWPN, parent_wwn=0x2000000000000001)),
    ("no port on fabric", errno.ENODEV,
     dict(wwpn=A + 5, wwnn=B, parent_by=vvp.PARENT_FABRIC, parent_wwn=0x2000000000000002)),
]
for what, want, kw in cases:
    subprocess.run(["dmesg", "-C"], check=True)
    vvp.expect_errno(want, vvp.create, **kw)
    if not kmsg_mentions(kw["wwpn"]):
        raise AssertionError(f"{what}: no kernel log line names the WWPN")
    print(f"ok: {what}: {errno.errorcode[want]}")
PY

# Without CAP_SYS_ADMIN the create ioctl is refused, even on an open fd.
exec 3<>/dev/vhost-vport
PYTHONPATH=$VV_ROOT/tests/guest/vport setpriv --inh-caps=-all --bounding-set=-sys_admin \
	python3 -c '
import errno, vvp
vvp.expect_errno(errno.EPERM, vvp.create, 0x2101001b32a90004, 0x2001001b32a90004, ctl=3)
print("ok: no CAP_SYS_ADMIN: EPERM")'
exec 3<&-
# A non-root user cannot even open the control device.
if setpriv --reuid=65534 --regid=65534 --clear-groups \
	sh -c 'exec 3</dev/vhost-vport' 2>/dev/null; then
	die "an unprivileged user opened /dev/vhost-vport"
fi
log "ok: unprivileged open refused"
rmmod scsi_debug
