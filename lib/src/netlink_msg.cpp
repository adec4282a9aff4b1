// SPDX-License-Identifier: LGPL-2.1-or-later
#include "netlink_msg.hpp"

#include "vport/error.hpp"

#include <linux/vhost_vport_genl.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <array>
#include <string>

namespace vport::detail {

namespace {

template <std::size_t N>
using Attrs = std::array<nlattr *, N>;

// libnl's policies: types and minimum lengths; strings may be any length.
struct Policies {
	std::array<nla_policy, VHOST_VPORT_A_MAX + 1> top{};
	std::array<nla_policy, VHOST_VPORT_RPORT_A_MAX + 1> rport{};
	std::array<nla_policy, VHOST_VPORT_CNT_A_MAX + 1> cnt{};

	Policies()
	{
		top[VHOST_VPORT_A_ID].type = NLA_U32;
		top[VHOST_VPORT_A_WWPN].type = NLA_U64;
		top[VHOST_VPORT_A_WWNN].type = NLA_U64;
		top[VHOST_VPORT_A_PARENT].type = NLA_STRING;
		top[VHOST_VPORT_A_PARENT_WWPN].type = NLA_U64;
		top[VHOST_VPORT_A_FABRIC_NAME].type = NLA_U64;
		top[VHOST_VPORT_A_PORT_ID].type = NLA_U32;
		top[VHOST_VPORT_A_STATE].type = NLA_U32;
		top[VHOST_VPORT_A_LOGGED_IN].type = NLA_U8;
		top[VHOST_VPORT_A_LINK_UP].type = NLA_U8;
		top[VHOST_VPORT_A_OWNER_PID].type = NLA_U32;
		top[VHOST_VPORT_A_OWNER_COMM].type = NLA_STRING;
		top[VHOST_VPORT_A_CREATED].type = NLA_U64;
		top[VHOST_VPORT_A_HOST].type = NLA_STRING;
		top[VHOST_VPORT_A_ENDPOINT].type = NLA_U8;
		top[VHOST_VPORT_A_RPORTS].type = NLA_NESTED;
		top[VHOST_VPORT_A_COUNTERS].type = NLA_NESTED;
		top[VHOST_VPORT_A_EVENT].type = NLA_U32;
		top[VHOST_VPORT_A_EVENT_RPORT].type = NLA_U64;
		top[VHOST_VPORT_A_EVENT_LUN].type = NLA_U64;

		rport[VHOST_VPORT_RPORT_A_WWPN].type = NLA_U64;
		rport[VHOST_VPORT_RPORT_A_WWNN].type = NLA_U64;
		rport[VHOST_VPORT_RPORT_A_PORT_ID].type = NLA_U32;
		rport[VHOST_VPORT_RPORT_A_STATE].type = NLA_U32;
		rport[VHOST_VPORT_RPORT_A_ROLES].type = NLA_U32;
		rport[VHOST_VPORT_RPORT_A_TARGET_ID].type = NLA_U32;
		rport[VHOST_VPORT_RPORT_A_LUNS].type = NLA_NESTED;

		cnt[VHOST_VPORT_CNT_A_COMMANDS].type = NLA_U64;
		cnt[VHOST_VPORT_CNT_A_BYTES_READ].type = NLA_U64;
		cnt[VHOST_VPORT_CNT_A_BYTES_WRITTEN].type = NLA_U64;
		cnt[VHOST_VPORT_CNT_A_ERRORS].type = NLA_U64;
		cnt[VHOST_VPORT_CNT_A_IN_FLIGHT].type = NLA_U32;
	}
};

const Policies &policies()
{
	static const Policies p;
	return p;
}

[[noreturn]] void malformed(const std::string &what)
{
	throw SystemError("vhost_vport netlink message: " + what);
}

// The generic netlink payload of @p nlh, checked against the policy.
template <std::size_t N>
Attrs<N> parse_top(const nlmsghdr *nlh, std::uint8_t want_cmd, const std::array<nla_policy, N> &pol)
{
	auto *h = const_cast<nlmsghdr *>(nlh);
	if (!genlmsg_valid_hdr(h, 0))
		malformed("truncated header");
	auto *g = static_cast<genlmsghdr *>(nlmsg_data(h));
	if (g->cmd != want_cmd)
		malformed("command " + std::to_string(g->cmd) + ", want " + std::to_string(want_cmd));
	Attrs<N> tb{};
	int err = genlmsg_parse(h, 0, tb.data(), static_cast<int>(N - 1), const_cast<nla_policy *>(pol.data()));
	if (err < 0)
		malformed(std::string("bad attributes: ") + nl_geterror(err));
	return tb;
}

template <std::size_t N>
Attrs<N> parse_nested(nlattr *nest, const std::array<nla_policy, N> &pol, const char *what)
{
	Attrs<N> tb{};
	int err = nla_parse_nested(tb.data(), static_cast<int>(N - 1), nest, const_cast<nla_policy *>(pol.data()));
	if (err < 0)
		malformed(std::string("bad ") + what + ": " + nl_geterror(err));
	return tb;
}

std::optional<std::uint32_t> opt_u32(nlattr *a)
{
	if (!a)
		return std::nullopt;
	return nla_get_u32(a);
}

std::optional<std::string> opt_str(nlattr *a)
{
	if (!a)
		return std::nullopt;
	// NLA_STRING: libnl checked the NUL, if any, is last; length bounds it.
	const char *s = static_cast<const char *>(nla_data(a));
	std::size_t len = static_cast<std::size_t>(nla_len(a));
	while (len && s[len - 1] == '\0')
		len--;
	return std::string(s, len);
}

std::optional<Wwn> opt_wwn(nlattr *a)
{
	if (!a)
		return std::nullopt;
	return Wwn::unchecked(nla_get_u64(a));
}

template <typename T>
T required(const std::optional<T> &v, const char *what)
{
	if (!v)
		malformed(std::string("no ") + what);
	return *v;
}

std::string rport_state_name(std::uint32_t s)
{
	switch (s) {
	case VHOST_VPORT_RPORT_ONLINE:
		return "online";
	case VHOST_VPORT_RPORT_BLOCKED:
		return "blocked";
	case VHOST_VPORT_RPORT_OFFLINE:
		return "offline";
	default:
		return "unknown(" + std::to_string(s) + ")";
	}
}

RemotePortState parse_rport(nlattr *nest)
{
	auto tb = parse_nested(nest, policies().rport, "remote port");
	RemotePortState r;
	r.wwpn = required(opt_wwn(tb[VHOST_VPORT_RPORT_A_WWPN]), "remote port WWPN");
	r.wwnn = opt_wwn(tb[VHOST_VPORT_RPORT_A_WWNN]).value_or(Wwn::unchecked(0));
	r.port_id = opt_u32(tb[VHOST_VPORT_RPORT_A_PORT_ID]).value_or(0);
	r.state = rport_state_name(opt_u32(tb[VHOST_VPORT_RPORT_A_STATE]).value_or(VHOST_VPORT_RPORT_OFFLINE));
	auto roles = opt_u32(tb[VHOST_VPORT_RPORT_A_ROLES]).value_or(0);
	r.fcp_target = roles & VHOST_VPORT_ROLE_FCP_TARGET;
	r.fcp_initiator = roles & VHOST_VPORT_ROLE_FCP_INITIATOR;
	r.target_id = opt_u32(tb[VHOST_VPORT_RPORT_A_TARGET_ID]);
	if (nlattr *luns = tb[VHOST_VPORT_RPORT_A_LUNS]) {
		nlattr *pos;
		int rem;
		nla_for_each_nested(pos, luns, rem) {
			if (nla_type(pos) != VHOST_VPORT_LUNS_A_LUN)
				continue;
			if (nla_len(pos) < static_cast<int>(sizeof(std::uint64_t)))
				malformed("short LUN");
			r.luns.push_back(nla_get_u64(pos));
		}
	}
	return r;
}

} // namespace


EventType event_type_of(std::uint32_t raw)
{
	switch (raw) {
	case VHOST_VPORT_EVENT_VPORT_CREATED:
		return EventType::vport_created;
	case VHOST_VPORT_EVENT_VPORT_DELETED:
		return EventType::vport_deleted;
	case VHOST_VPORT_EVENT_LOGIN_STATE:
		return EventType::login_state;
	case VHOST_VPORT_EVENT_RPORT_ADDED:
		return EventType::rport_added;
	case VHOST_VPORT_EVENT_RPORT_REMOVED:
		return EventType::rport_removed;
	case VHOST_VPORT_EVENT_LUN_ADDED:
		return EventType::lun_added;
	case VHOST_VPORT_EVENT_LUN_REMOVED:
		return EventType::lun_removed;
	case VHOST_VPORT_EVENT_LINK_DOWN:
		return EventType::link_down;
	case VHOST_VPORT_EVENT_LINK_UP:
		return EventType::link_up;
	default:
		return EventType::unknown;
	}
}

VportState parse_vport_msg(const nlmsghdr *nlh)
{
	auto tb = parse_top(nlh, VHOST_VPORT_CMD_GET, policies().top);
	VportState v;
	v.id = required(opt_u32(tb[VHOST_VPORT_A_ID]), "vport id");
	v.wwpn = required(opt_wwn(tb[VHOST_VPORT_A_WWPN]), "vport WWPN");
	v.wwnn = opt_wwn(tb[VHOST_VPORT_A_WWNN]).value_or(Wwn::unchecked(0));
	v.parent = opt_str(tb[VHOST_VPORT_A_PARENT]);
	if (v.parent && v.parent->empty())
		v.parent.reset();
	v.parent_wwpn = opt_wwn(tb[VHOST_VPORT_A_PARENT_WWPN]);
	v.fabric_name = opt_wwn(tb[VHOST_VPORT_A_FABRIC_NAME]);
	v.port_id = opt_u32(tb[VHOST_VPORT_A_PORT_ID]);
	v.state = vport_state_name(opt_u32(tb[VHOST_VPORT_A_STATE]).value_or(VHOST_VPORT_STATE_UNKNOWN));
	v.logged_in = tb[VHOST_VPORT_A_LOGGED_IN] && nla_get_u8(tb[VHOST_VPORT_A_LOGGED_IN]);
	v.link_up = tb[VHOST_VPORT_A_LINK_UP] && nla_get_u8(tb[VHOST_VPORT_A_LINK_UP]);
	v.owner_pid = opt_u32(tb[VHOST_VPORT_A_OWNER_PID]);
	if (v.owner_pid == 0u)
		v.owner_pid.reset();
	v.owner_comm = opt_str(tb[VHOST_VPORT_A_OWNER_COMM]);
	if (tb[VHOST_VPORT_A_CREATED])
		v.created = static_cast<std::int64_t>(nla_get_u64(tb[VHOST_VPORT_A_CREATED]));
	v.host = opt_str(tb[VHOST_VPORT_A_HOST]);
	if (v.host && v.host->empty())
		v.host.reset();
	v.endpoint = tb[VHOST_VPORT_A_ENDPOINT] && nla_get_u8(tb[VHOST_VPORT_A_ENDPOINT]);
	if (nlattr *rports = tb[VHOST_VPORT_A_RPORTS]) {
		nlattr *pos;
		int rem;
		nla_for_each_nested(pos, rports, rem) {
			if (nla_type(pos) == VHOST_VPORT_RPORTS_A_RPORT)
				v.rports.push_back(parse_rport(pos));
		}
	}
	if (nlattr *cnt = tb[VHOST_VPORT_A_COUNTERS]) {
		auto c = parse_nested(cnt, policies().cnt, "counters");
		auto u64 = [&](int i) { return c[i] ? nla_get_u64(c[i]) : 0; };
		v.counters.commands = u64(VHOST_VPORT_CNT_A_COMMANDS);
		v.counters.bytes_read = u64(VHOST_VPORT_CNT_A_BYTES_READ);
		v.counters.bytes_written = u64(VHOST_VPORT_CNT_A_BYTES_WRITTEN);
		v.counters.errors = u64(VHOST_VPORT_CNT_A_ERRORS);
		v.counters.in_flight = opt_u32(c[VHOST_VPORT_CNT_A_IN_FLIGHT]).value_or(0);
	}
	return v;
}

Event parse_event_msg(const nlmsghdr *nlh)
{
	auto tb = parse_top(nlh, VHOST_VPORT_CMD_EVENT, policies().top);
	Event e;
	e.raw_type = required(opt_u32(tb[VHOST_VPORT_A_EVENT]), "event type");
	e.type = event_type_of(e.raw_type);
	e.vport_id = required(opt_u32(tb[VHOST_VPORT_A_ID]), "vport id");
	e.wwpn = required(opt_wwn(tb[VHOST_VPORT_A_WWPN]), "vport WWPN");
	e.wwnn = opt_wwn(tb[VHOST_VPORT_A_WWNN]).value_or(Wwn::unchecked(0));
	e.rport = opt_wwn(tb[VHOST_VPORT_A_EVENT_RPORT]);
	if (tb[VHOST_VPORT_A_EVENT_LUN])
		e.lun = nla_get_u64(tb[VHOST_VPORT_A_EVENT_LUN]);
	if (tb[VHOST_VPORT_A_LOGGED_IN])
		e.logged_in = nla_get_u8(tb[VHOST_VPORT_A_LOGGED_IN]) != 0;
	if (e.type == EventType::login_state && !e.logged_in)
		malformed("login-state event without the state");
	return e;
}

} // namespace vport::detail

namespace vport {

std::string vport_state_name(std::uint32_t state)
{
	switch (state) {
	case VHOST_VPORT_STATE_UNKNOWN:
		return "unknown";
	case VHOST_VPORT_STATE_ACTIVE:
		return "active";
	case VHOST_VPORT_STATE_DISABLED:
		return "disabled";
	case VHOST_VPORT_STATE_LINKDOWN:
		return "linkdown";
	case VHOST_VPORT_STATE_INITIALIZING:
		return "initializing";
	case VHOST_VPORT_STATE_NO_FABRIC_SUPP:
		return "no-fabric-support";
	case VHOST_VPORT_STATE_NO_FABRIC_RSCS:
		return "no-fabric-resources";
	case VHOST_VPORT_STATE_FABRIC_LOGOUT:
		return "fabric-logout";
	case VHOST_VPORT_STATE_FABRIC_REJ_WWN:
		return "fabric-rejected-wwn";
	case VHOST_VPORT_STATE_FAILED:
		return "failed";
	default:
		return "state-" + std::to_string(state);
	}
}

std::string_view event_type_name(EventType t)
{
	switch (t) {
	case EventType::vport_created:
		return "vport-created";
	case EventType::vport_deleted:
		return "vport-deleted";
	case EventType::login_state:
		return "login-state";
	case EventType::rport_added:
		return "rport-added";
	case EventType::rport_removed:
		return "rport-removed";
	case EventType::lun_added:
		return "lun-added";
	case EventType::lun_removed:
		return "lun-removed";
	case EventType::link_down:
		return "link-down";
	case EventType::link_up:
		return "link-up";
	case EventType::events_lost:
		return "events-lost";
	case EventType::unknown:
		break;
	}
	return "unknown";
}

} // namespace vport
