"""Minimal Python access to /dev/vhost-vport for guest tests.

Mirrors kernel/include/uapi/linux/vhost_vport.h; test_uapi_layout() in the
tests checks the sizes against the header, so a change there cannot go
unnoticed here.
"""
import errno
import fcntl
import os
import struct

DEVICE = "/dev/vhost-vport"

PARENT_ANY, PARENT_NAME, PARENT_WWPN, PARENT_FABRIC = range(4)

_CREATE = struct.Struct("<QQQ32sIII5I")
_INFO = struct.Struct("<QQQQII32s32s8I")


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (0xAF << 8) | nr


IOC_WRITE, IOC_READ = 1, 2
GET_API_VERSION = _ioc(IOC_READ, 0xE0, 4)
CREATE = _ioc(IOC_WRITE, 0xE1, _CREATE.size)
GET_INFO = _ioc(IOC_READ, 0xE2, _INFO.size)


def create(wwpn, wwnn, parent_by=PARENT_ANY, parent_name="", parent_wwn=0,
           flags=0, timeout_ms=0, reserved=(0, 0, 0, 0, 0), ctl=None):
    """Creates a vport; returns its fd or raises OSError."""
    name = parent_name.encode() if isinstance(parent_name, str) else parent_name
    arg = _CREATE.pack(wwpn, wwnn, parent_wwn, name, parent_by, flags,
                       timeout_ms, *reserved)
    own = ctl is None
    if own:
        ctl = os.open(DEVICE, os.O_RDWR)
    try:
        # A mutable buffer makes ioctl() return the call's result, the fd.
        return fcntl.ioctl(ctl, CREATE, bytearray(arg))
    finally:
        if own:
            os.close(ctl)


def info(fd):
    raw = fcntl.ioctl(fd, GET_INFO, bytes(_INFO.size))
    f = _INFO.unpack(raw)
    return {
        "wwpn": f[0], "wwnn": f[1], "parent_wwpn": f[2], "fabric_name": f[3],
        "port_id": f[4], "nr_rports": f[5],
        "parent": f[6].rstrip(b"\0").decode(), "host": f[7].rstrip(b"\0").decode(),
    }


def expect_errno(want, fn, *args, **kwargs):
    """Calls fn and requires that it fails with errno want."""
    try:
        fd = fn(*args, **kwargs)
    except OSError as e:
        if e.errno != want:
            raise AssertionError(f"expected {errno.errorcode[want]}, got "
                                 f"{errno.errorcode.get(e.errno, e.errno)}") from e
        return
    os.close(fd)
    raise AssertionError(f"expected {errno.errorcode[want]}, but it succeeded")


_TARGET = struct.Struct("<QII")
MAX_TARGETS = 256
_TARGETS_SIZE = 8 + MAX_TARGETS * _TARGET.size
GET_TARGETS = _ioc(IOC_READ, 0xE3, _TARGETS_SIZE)
SET_TARGETS = _ioc(IOC_WRITE, 0xE4, _TARGETS_SIZE)


def get_targets(fd):
    """The target table as {id: wwpn}."""
    # A mutable buffer: ioctl() takes immutable ones of 1 KiB at most.
    raw = bytearray(_TARGETS_SIZE)
    fcntl.ioctl(fd, GET_TARGETS, raw)
    count, _ = struct.unpack_from("<II", raw)
    table = {}
    for i in range(count):
        wwpn, tid, _ = _TARGET.unpack_from(raw, 8 + i * _TARGET.size)
        table[tid] = wwpn
    return table


def set_targets(fd, entries, count=None, reserved=0):
    """Sets the table from [(id, wwpn, flags)]; count may lie on purpose."""
    buf = bytearray(_TARGETS_SIZE)
    struct.pack_into("<II", buf, 0, len(entries) if count is None else count, reserved)
    for i, (tid, wwpn, flags) in enumerate(entries[:MAX_TARGETS]):
        _TARGET.pack_into(buf, 8 + i * _TARGET.size, wwpn, tid, flags)
    fcntl.ioctl(fd, SET_TARGETS, buf)


# The bits of <linux/vhost.h> the tests need without a full client.
VHOST_SET_OWNER = _ioc(0, 0x01, 0)
_SCSI_TARGET = struct.Struct("<i224sHH")
VHOST_SCSI_SET_ENDPOINT = _ioc(IOC_WRITE, 0x40, _SCSI_TARGET.size)
VHOST_SCSI_CLEAR_ENDPOINT = _ioc(IOC_WRITE, 0x41, _SCSI_TARGET.size)


def set_owner(fd):
    fcntl.ioctl(fd, VHOST_SET_OWNER, 0)


def endpoint(fd, wwpn, on=True):
    arg = _SCSI_TARGET.pack(0, f"naa.{wwpn:016x}".encode(), 0, 0)
    fcntl.ioctl(fd, VHOST_SCSI_SET_ENDPOINT if on else VHOST_SCSI_CLEAR_ENDPOINT,
                bytearray(arg))
