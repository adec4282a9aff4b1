#!/bin/bash
# make demo: the software FC SAN in a test guest, shown with vportctl, and a
# vport fd serving virtio-scsi requests to a userspace "guest" (the vhost-scsi
# client plays QEMU and the guest driver; a real QEMU guest comes with the
# QEMU integration work).
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
VPORTCTL=$VV_BUILD/user/tools/vportctl/vportctl
VSCLIENT=$VV_BUILD/user/tests/client/vsclient

say() { printf '\n### %s\n' "$*"; }

say "Bringing up a software FC SAN: 2 initiator ports, 1 LIO target with 2 LUNs, an FCF"
vv_load
san_up --initiators 2 --targets 1 --luns 2 --lun-mb 64
modprobe sd_mod	# the physical ports' LUNs become disks; the vport's must not
h0=$(host_of vsan-i0)

say "vportctl hba list"
"$VPORTCTL" hba list
say "vportctl hba show $h0"
"$VPORTCTL" hba show "$h0"

say "Creating vport 21:00:00:00:5a:00:00:01 on $h0 through /dev/vhost-vport"
say "and running virtio-scsi requests on its fd (INQUIRY, READ CAPACITY, I/O)"
PYTHONPATH=$VV_ROOT/tests/guest/vport python3 -u - "$VPORTCTL" "$VSCLIENT" "$h0" <<'PY'
import os, subprocess, sys
import vvp
vportctl, vsclient, parent = sys.argv[1:4]
fd = vvp.create(0x210000005a000001, 0x200000005a000001, vvp.PARENT_NAME,
                parent_name=parent)
info = vvp.info(fd)
print(f"vport fd {fd}: parent {info['parent']}, own fc_host {info['host']}, "
      f"N_Port ID 0x{info['port_id']:06x}, {info['nr_rports']} remote ports")
print("\n### vportctl hba show", info["host"])
subprocess.run([vportctl, "hba", "show", info["host"]], check=True)
print("\n### the vport's LUNs on the host: SCSI devices bound to no driver, no disks")
host_no = info["host"][4:]
for dev in sorted(os.listdir("/sys/bus/scsi/devices")):
    if dev.startswith(host_no + ":"):
        path = f"/sys/bus/scsi/devices/{dev}"
        bound = os.path.exists(f"{path}/driver")
        disks = os.listdir(f"{path}/block") if os.path.exists(f"{path}/block") else []
        print(f"  {dev}: driver {'yes' if bound else 'none'}, block devices {disks or 'none'}")
print("  host block devices:", " ".join(sorted(os.listdir("/sys/block"))))
print("\n### vsclient --resid-unreported smoke (one owner per vhost fd, as with QEMU)")
subprocess.run([vsclient, "--fd", str(fd), "--wwpn", "naa.210000005a000001",
                "--tpgt", "0", "--target", "0", "--resid-unreported", "smoke"],
               pass_fds=(fd,), check=True)
os.close(fd)
print("\nvport fd closed: the vport is logged out and deleted")
fd = vvp.create(0x210000005a000002, 0x200000005a000002, vvp.PARENT_NAME,
                parent_name=parent)
print("\n### a second vport (21:00:00:00:5a:00:00:02); vsclient rw: verified I/O, 2 queues x 8")
subprocess.run([vsclient, "--fd", str(fd), "--wwpn", "naa.210000005a000002",
                "--tpgt", "0", "--target", "0", "rw", "--queues", "2", "--depth", "8",
                "--count", "400", "--verify"], pass_fds=(fd,), check=True)
os.close(fd)
PY
say "vportctl hba list, after"
"$VPORTCTL" hba list
