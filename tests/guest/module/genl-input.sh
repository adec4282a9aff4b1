#!/bin/bash
# The generic netlink family "vhost_vport" against malformed requests, from
# raw netlink sockets (no libnl): each gets a clean errno, nothing else;
# an unprivileged user may read and subscribe; the family goes away with
# the module.
source "$VV_ROOT/tests/guest/lib.sh"
vv_load

GENL_PY=$(cat <<'PY'
import errno, os, socket, struct, sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 7, 1, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
CMD_GET, CMD_EVENT = 1, 2
A_PAD, A_ID, A_WWPN = 1, 2, 3

def attr(t, payload):
    a = struct.pack("<HH", 4 + len(payload), t) + payload
    return a + b"\0" * (-len(a) % 4)

def attrs(buf):
    out, i = {}, 0
    while i + 4 <= len(buf):
        ln, t = struct.unpack_from("<HH", buf, i)
        if ln < 4:
            break
        out.setdefault(t & 0x3fff, []).append(buf[i + 4:i + ln])
        i += (ln + 3) & ~3
    return out

class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.bind((0, 0))
        self.seq = 0

    def send(self, family, cmd, payload=b"", flags=NLM_F_REQUEST | NLM_F_ACK,
             version=1, reserved=0):
        self.seq += 1
        body = struct.pack("<BBH", cmd, version, reserved) + payload
        self.s.send(struct.pack("<IHHII", 16 + len(body), family, flags, self.seq, 0) + body)

    def replies(self):
        """Messages up to the ack, error or DONE: (msgs, errno)."""
        msgs = []
        while True:
            data = self.s.recv(1 << 20)
            i = 0
            while i < len(data):
                ln, typ, flags, seq, pid = struct.unpack_from("<IHHII", data, i)
                body = data[i + 16:i + ln]
                i += (ln + 3) & ~3
                if typ == NLMSG_ERROR:
                    return msgs, -struct.unpack_from("<i", body)[0]
                if typ == NLMSG_DONE:
                    return msgs, 0
                msgs.append(body)

    def family(self, name):
        self.send(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                  attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        msgs, err = self.replies()
        if err or not msgs:
            return None, None
        a = attrs(msgs[0][4:])
        fid = struct.unpack("<H", a[CTRL_ATTR_FAMILY_ID][0][:2])[0]
        groups = {}
        for g in attrs(a.get(CTRL_ATTR_MCAST_GROUPS, [b""])[0]).values():
            ga = attrs(g[0])
            groups[ga[CTRL_ATTR_MCAST_GRP_NAME][0].rstrip(b"\0").decode()] = \
                struct.unpack("<I", ga[CTRL_ATTR_MCAST_GRP_ID][0])[0]
        return fid, groups
PY
)

# 1. Malformed requests, as root and as nobody.
check() {
python3 - <<PY
$GENL_PY
g = Genl()
fid, groups = g.family("vhost_vport")
assert fid, "family vhost_vport not found"
assert "events" in groups, groups
print("family id", fid, "groups", groups, "uid", os.getuid())

def expect(what, want, *args, **kw):
    g.send(fid, *args, **kw)
    msgs, err = g.replies()
    assert err == want, f"{what}: errno {err} ({os.strerror(err) if err else 'ok'}), want {want}"
    print(f"ok: {what}: {errno.errorcode.get(err, err)}")
    return msgs

expect("GET without id or WWPN", errno.EINVAL, CMD_GET)
expect("GET of id 0", errno.ERANGE, CMD_GET, attr(A_ID, struct.pack("<I", 0)))
expect("GET of an unknown id", errno.ENOENT, CMD_GET, attr(A_ID, struct.pack("<I", 12345)))
expect("GET of an unknown WWPN", errno.ENOENT, CMD_GET,
       attr(A_WWPN, struct.pack("<Q", 0x210000005a0000ee)))
expect("GET with a 4-byte WWPN", errno.EINVAL, CMD_GET, attr(A_WWPN, struct.pack("<I", 1)))
expect("GET with an unknown attribute", errno.EINVAL, CMD_GET, attr(200, b"\0\0\0\0"))
expect("GET with an attribute the policy does not take", errno.EINVAL, CMD_GET,
       attr(5, b"host0\0"))
expect("GET with a non-zero reserved header field", errno.EINVAL, CMD_GET,
       attr(A_ID, struct.pack("<I", 1)), reserved=1)
expect("EVENT is not a request", errno.EOPNOTSUPP, CMD_EVENT)
expect("command 99", errno.EOPNOTSUPP, 99)
msgs = expect("dump with no vport", 0, CMD_GET, flags=NLM_F_REQUEST | NLM_F_DUMP)
assert msgs == [], msgs
expect("dump with an unknown attribute", errno.EINVAL, CMD_GET, attr(200, b"\0\0\0\0"),
       flags=NLM_F_REQUEST | NLM_F_DUMP)

# Subscribing to the events group needs no privilege.
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
s.bind((0, 0))
s.setsockopt(270, 1, groups["events"])	# SOL_NETLINK, NETLINK_ADD_MEMBERSHIP
print("ok: subscribed to events")
PY
}
check
export -f check
export GENL_PY
setpriv --reuid=65534 --regid=65534 --clear-groups bash -c check

# 2. The family goes with the module.
vv_unload
python3 - <<PY
$GENL_PY
fid, _ = Genl().family("vhost_vport")
assert fid is None, "family still registered after rmmod"
print("ok: family gone after rmmod")
PY
log "ok"
