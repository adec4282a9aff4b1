#!/bin/bash
# The target-id table of a vport fd: numbered at login, readable by anyone
# holding the fd, settable only with CAP_SYS_ADMIN and without an endpoint,
# bad tables refused, and a set table routes the guest's requests.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/san/san-lib.sh"
vv_load
san_up --initiators 1 --targets 1 --luns 1
parent=$(host_of vsan-i0)
target_wwpn=0x$(hexwwn "$(cat "/sys/class/fc_host/$(host_of vsan-t0)/port_name")" | sed 's/^0x//')

PYTHONPATH=$VV_ROOT/tests/guest/vport python3 - "$parent" "$target_wwpn" \
	"$VV_BUILD/user/tests/client/vsclient" <<'PY'
import errno, os, subprocess, sys
import vvp

parent, target, vsclient = sys.argv[1], int(sys.argv[2], 16), sys.argv[3]
A = 0x210000005a000001

def expect_errno(want, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except OSError as e:
        assert e.errno == want, f"{fn.__name__}: {errno.errorcode.get(e.errno)}, want {errno.errorcode[want]}"
        return
    raise AssertionError(f"{fn.__name__} succeeded, want {errno.errorcode[want]}")

fd = vvp.create(A, 0x200000005a000001, vvp.PARENT_NAME, parent_name=parent)
table = vvp.get_targets(fd)
assert table == {0: target}, f"table at login: {table}"
print(f"ok: at login target 0 is {target:#018x}")

# Bad tables change nothing.
bad = [
    ("id 256", [(256, target, 0)], {}),
    ("zero WWPN", [(1, 0, 0)], {}),
    ("flags", [(1, target, 1)], {}),
    ("id twice", [(1, target, 0), (1, target + 1, 0)], {}),
    ("WWPN twice", [(1, target, 0), (2, target, 0)], {}),
    ("count 257", [(1, target, 0)], {"count": 257}),
    ("reserved", [(1, target, 0)], {"reserved": 1}),
]
for what, entries, kw in bad:
    expect_errno(errno.EINVAL, vvp.set_targets, fd, entries, **kw)
    assert vvp.get_targets(fd) == {0: target}, f"{what} changed the table"
    print(f"ok: {what}: EINVAL, table unchanged")

# Without CAP_SYS_ADMIN: read yes, write no.
code = f"""
import errno, vvp
assert vvp.get_targets({fd}) == {{0: {target}}}
try:
    vvp.set_targets({fd}, [(7, {target}, 0)])
except OSError as e:
    assert e.errno == errno.EPERM, e
else:
    raise AssertionError("set without CAP_SYS_ADMIN")
"""
subprocess.run(["setpriv", "--inh-caps=-all", "--bounding-set=-sys_admin",
                sys.executable, "-c", code], pass_fds=(fd,), check=True,
               env=dict(os.environ))
print("ok: without CAP_SYS_ADMIN: GET works, SET is EPERM")

# Not while an endpoint is set.
vvp.set_owner(fd)
vvp.endpoint(fd, A)
expect_errno(errno.EBUSY, vvp.set_targets, fd, [(5, target, 0)])
vvp.endpoint(fd, A, on=False)
print("ok: with an endpoint: EBUSY")
os.close(fd)

# A table set before the endpoint routes the guest's requests.
fd = vvp.create(A, 0x200000005a000001, vvp.PARENT_NAME, parent_name=parent)
vvp.set_targets(fd, [(5, target, 0)])
assert vvp.get_targets(fd) == {5: target}
base = [vsclient, "--fd", str(fd), "--wwpn", f"naa.{A:016x}", "--tpgt", "0",
        "--target", "5", "--resid-unreported", "smoke"]
subprocess.run(base, pass_fds=(fd,), check=True)
print("ok: requests to target 5 reach the remote port mapped there")
os.close(fd)
PY
