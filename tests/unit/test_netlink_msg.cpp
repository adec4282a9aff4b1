// SPDX-License-Identifier: GPL-2.0-or-later
// The netlink message layer: messages of the "vhost_vport" family, built
// here with libnl as the kernel would send them, parsed into VportState and
// Event; malformed ones give errors that say what is wrong.
#include <catch2/catch.hpp>

#include "netlink_msg.hpp"

#include <vport/error.hpp>
#include <vport/monitor.hpp>
#include <vport/vports.hpp>

#include <linux/vhost_vport_genl.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <functional>
#include <memory>

using vport::Event;
using vport::EventType;
using vport::VportState;
using vport::Wwn;

namespace {

constexpr int fake_family = 0x1d;

struct Msg {
	std::unique_ptr<nl_msg, void (*)(nl_msg *)> m{nlmsg_alloc(), nlmsg_free};

	explicit Msg(std::uint8_t cmd)
	{
		REQUIRE(m);
		REQUIRE(genlmsg_put(m.get(), 0, 1, fake_family, 0, 0, cmd, VHOST_VPORT_GENL_VERSION));
	}
	nl_msg *get() { return m.get(); }
	const nlmsghdr *hdr() { return nlmsg_hdr(m.get()); }
	// A u64 the way the kernel puts it: a zero-length pad first.
	void u64(int type, std::uint64_t v, int pad = VHOST_VPORT_A_PAD)
	{
		REQUIRE(nla_put(get(), pad, 0, nullptr) == 0);
		REQUIRE(nla_put_u64(get(), type, v) == 0);
	}
	void u32(int type, std::uint32_t v) { REQUIRE(nla_put_u32(get(), type, v) == 0); }
	void u8(int type, std::uint8_t v) { REQUIRE(nla_put_u8(get(), type, v) == 0); }
	void str(int type, const char *s) { REQUIRE(nla_put_string(get(), type, s) == 0); }
	void nest(int type, const std::function<void()> &inner)
	{
		nlattr *n = nla_nest_start(get(), type);
		REQUIRE(n);
		inner();
		REQUIRE(nla_nest_end(get(), n) == 0);
	}
};

void put_rport(Msg &m, std::uint64_t wwpn, std::uint32_t state, std::uint32_t roles,
	       std::optional<std::uint32_t> tid, std::vector<std::uint64_t> luns)
{
	m.nest(VHOST_VPORT_RPORTS_A_RPORT, [&] {
		m.u64(VHOST_VPORT_RPORT_A_WWPN, wwpn, VHOST_VPORT_RPORT_A_PAD);
		m.u64(VHOST_VPORT_RPORT_A_WWNN, wwpn - 0x0100000000000000ull, VHOST_VPORT_RPORT_A_PAD);
		m.u32(VHOST_VPORT_RPORT_A_PORT_ID, 0x010200);
		m.u32(VHOST_VPORT_RPORT_A_STATE, state);
		m.u32(VHOST_VPORT_RPORT_A_ROLES, roles);
		if (tid)
			m.u32(VHOST_VPORT_RPORT_A_TARGET_ID, *tid);
		m.nest(VHOST_VPORT_RPORT_A_LUNS, [&] {
			for (auto l : luns)
				m.u64(VHOST_VPORT_LUNS_A_LUN, l, VHOST_VPORT_LUNS_A_PAD);
		});
	});
}

// A GET reply as genl.c fills it.
void put_full_vport(Msg &m)
{
	m.u32(VHOST_VPORT_A_ID, 7);
	m.u64(VHOST_VPORT_A_WWPN, 0x210000005a000001ull);
	m.u64(VHOST_VPORT_A_WWNN, 0x200000005a000001ull);
	m.str(VHOST_VPORT_A_PARENT, "host3");
	m.u64(VHOST_VPORT_A_PARENT_WWPN, 0x2000525600010000ull);
	m.u64(VHOST_VPORT_A_FABRIC_NAME, 0x1000525600fcf000ull);
	m.u32(VHOST_VPORT_A_PORT_ID, 0x010101);
	m.u32(VHOST_VPORT_A_STATE, VHOST_VPORT_STATE_ACTIVE);
	m.u8(VHOST_VPORT_A_LOGGED_IN, 1);
	m.u8(VHOST_VPORT_A_LINK_UP, 1);
	m.u32(VHOST_VPORT_A_OWNER_PID, 4242);
	m.str(VHOST_VPORT_A_OWNER_COMM, "qemu-system-x86");
	m.u64(VHOST_VPORT_A_CREATED, 1790000000);
	m.str(VHOST_VPORT_A_HOST, "host5");
	m.u8(VHOST_VPORT_A_ENDPOINT, 1);
	m.nest(VHOST_VPORT_A_RPORTS, [&] {
		put_rport(m, 0x2000525600020000ull, VHOST_VPORT_RPORT_ONLINE, VHOST_VPORT_ROLE_FCP_TARGET, 0,
			  {0, 1, 0x3fff});
		put_rport(m, 0x2000525600030000ull, VHOST_VPORT_RPORT_BLOCKED, VHOST_VPORT_ROLE_FCP_INITIATOR,
			  std::nullopt, {});
	});
	m.nest(VHOST_VPORT_A_COUNTERS, [&] {
		m.u64(VHOST_VPORT_CNT_A_COMMANDS, 1000, VHOST_VPORT_CNT_A_PAD);
		m.u64(VHOST_VPORT_CNT_A_BYTES_READ, 1ull << 40, VHOST_VPORT_CNT_A_PAD);
		m.u64(VHOST_VPORT_CNT_A_BYTES_WRITTEN, 4096, VHOST_VPORT_CNT_A_PAD);
		m.u64(VHOST_VPORT_CNT_A_ERRORS, 3, VHOST_VPORT_CNT_A_PAD);
		m.u32(VHOST_VPORT_CNT_A_IN_FLIGHT, 2);
	});
}

std::string vport_error(Msg &m)
{
	try {
		vport::detail::parse_vport_msg(m.hdr());
	} catch (const vport::SystemError &e) {
		return e.what();
	}
	FAIL("the message was accepted");
	return {};
}

std::string event_error(Msg &m)
{
	try {
		vport::detail::parse_event_msg(m.hdr());
	} catch (const vport::SystemError &e) {
		return e.what();
	}
	FAIL("the message was accepted");
	return {};
}

void put_event_head(Msg &m, std::uint32_t ev)
{
	m.u32(VHOST_VPORT_A_EVENT, ev);
	m.u32(VHOST_VPORT_A_ID, 3);
	m.u64(VHOST_VPORT_A_WWPN, 0x210000005a000002ull);
	m.u64(VHOST_VPORT_A_WWNN, 0x200000005a000002ull);
}

} // namespace

TEST_CASE("A full GET reply parses into every field", "[netlink]")
{
	Msg m(VHOST_VPORT_CMD_GET);
	put_full_vport(m);
	VportState v = vport::detail::parse_vport_msg(m.hdr());

	CHECK(v.id == 7);
	CHECK(v.wwpn == Wwn::unchecked(0x210000005a000001ull));
	CHECK(v.wwnn == Wwn::unchecked(0x200000005a000001ull));
	CHECK(v.parent == "host3");
	CHECK(v.parent_wwpn == Wwn::unchecked(0x2000525600010000ull));
	CHECK(v.fabric_name == Wwn::unchecked(0x1000525600fcf000ull));
	CHECK(v.port_id == 0x010101u);
	CHECK(v.state == "active");
	CHECK(v.logged_in);
	CHECK(v.link_up);
	CHECK(v.owner_pid == 4242u);
	CHECK(v.owner_comm == "qemu-system-x86");
	CHECK(v.created == 1790000000);
	CHECK(v.host == "host5");
	CHECK(v.endpoint);
	REQUIRE(v.rports.size() == 2);
	const auto &t = v.rports[0];
	CHECK(t.wwpn == Wwn::unchecked(0x2000525600020000ull));
	CHECK(t.wwnn == Wwn::unchecked(0x1f00525600020000ull));
	CHECK(t.port_id == 0x010200u);
	CHECK(t.state == "online");
	CHECK(t.fcp_target);
	CHECK_FALSE(t.fcp_initiator);
	CHECK(t.target_id == 0u);
	CHECK(t.luns == std::vector<std::uint64_t>{0, 1, 0x3fff});
	const auto &i = v.rports[1];
	CHECK(i.state == "blocked");
	CHECK(i.fcp_initiator);
	CHECK_FALSE(i.fcp_target);
	CHECK_FALSE(i.target_id);
	CHECK(i.luns.empty());
	CHECK(v.counters.commands == 1000);
	CHECK(v.counters.bytes_read == (1ull << 40));
	CHECK(v.counters.bytes_written == 4096);
	CHECK(v.counters.errors == 3);
	CHECK(v.counters.in_flight == 2);
}

TEST_CASE("A minimal GET reply leaves the rest at its defaults", "[netlink]")
{
	Msg m(VHOST_VPORT_CMD_GET);
	m.u32(VHOST_VPORT_A_ID, 1);
	m.u64(VHOST_VPORT_A_WWPN, 0x210000005a000001ull);
	m.str(VHOST_VPORT_A_PARENT, "");	// adapter did not know it
	m.u32(VHOST_VPORT_A_OWNER_PID, 0);	// owner not visible in this pid namespace
	VportState v = vport::detail::parse_vport_msg(m.hdr());
	CHECK(v.id == 1);
	CHECK_FALSE(v.parent);
	CHECK_FALSE(v.owner_pid);
	CHECK_FALSE(v.host);
	CHECK(v.state == "unknown");
	CHECK_FALSE(v.logged_in);
	CHECK(v.rports.empty());
	CHECK(v.counters.commands == 0);
}

TEST_CASE("Attributes of a newer module are ignored", "[netlink]")
{
	Msg m(VHOST_VPORT_CMD_GET);
	put_full_vport(m);
	m.u32(VHOST_VPORT_A_MAX + 5, 99);
	m.u32(VHOST_VPORT_A_STATE, 77); // a state this library does not know
	VportState v = vport::detail::parse_vport_msg(m.hdr());
	CHECK(v.id == 7);
	CHECK(v.state == "state-77");
}

TEST_CASE("Malformed GET replies are refused with the reason", "[netlink]")
{
	SECTION("no id")
	{
		Msg m(VHOST_VPORT_CMD_GET);
		m.u64(VHOST_VPORT_A_WWPN, 0x210000005a000001ull);
		CHECK_THAT(vport_error(m), Catch::Contains("no vport id"));
	}
	SECTION("no WWPN")
	{
		Msg m(VHOST_VPORT_CMD_GET);
		m.u32(VHOST_VPORT_A_ID, 1);
		CHECK_THAT(vport_error(m), Catch::Contains("no vport WWPN"));
	}
	SECTION("a WWPN of 4 bytes")
	{
		Msg m(VHOST_VPORT_CMD_GET);
		m.u32(VHOST_VPORT_A_ID, 1);
		m.u32(VHOST_VPORT_A_WWPN, 0x21000000);
		CHECK_THAT(vport_error(m), Catch::Contains("bad attributes"));
	}
	SECTION("a remote port without WWPN")
	{
		Msg m(VHOST_VPORT_CMD_GET);
		m.u32(VHOST_VPORT_A_ID, 1);
		m.u64(VHOST_VPORT_A_WWPN, 0x210000005a000001ull);
		m.nest(VHOST_VPORT_A_RPORTS,
		       [&] { m.nest(VHOST_VPORT_RPORTS_A_RPORT, [&] { m.u32(VHOST_VPORT_RPORT_A_PORT_ID, 1); }); });
		CHECK_THAT(vport_error(m), Catch::Contains("no remote port WWPN"));
	}
	SECTION("a short LUN")
	{
		Msg m(VHOST_VPORT_CMD_GET);
		m.u32(VHOST_VPORT_A_ID, 1);
		m.u64(VHOST_VPORT_A_WWPN, 0x210000005a000001ull);
		m.nest(VHOST_VPORT_A_RPORTS, [&] {
			m.nest(VHOST_VPORT_RPORTS_A_RPORT, [&] {
				m.u64(VHOST_VPORT_RPORT_A_WWPN, 0x2000525600020000ull, VHOST_VPORT_RPORT_A_PAD);
				m.nest(VHOST_VPORT_RPORT_A_LUNS, [&] { m.u32(VHOST_VPORT_LUNS_A_LUN, 1); });
			});
		});
		CHECK_THAT(vport_error(m), Catch::Contains("short LUN"));
	}
	SECTION("an event where a GET reply belongs")
	{
		Msg m(VHOST_VPORT_CMD_EVENT);
		put_full_vport(m);
		CHECK_THAT(vport_error(m), Catch::Contains("command 2, want 1"));
	}
}

TEST_CASE("Events parse with what each kind carries", "[netlink]")
{
	SECTION("vport created")
	{
		Msg m(VHOST_VPORT_CMD_EVENT);
		put_event_head(m, VHOST_VPORT_EVENT_VPORT_CREATED);
		Event e = vport::detail::parse_event_msg(m.hdr());
		CHECK(e.type == EventType::vport_created);
		CHECK(e.vport_id == 3);
		CHECK(e.wwpn == Wwn::unchecked(0x210000005a000002ull));
		CHECK(e.wwnn == Wwn::unchecked(0x200000005a000002ull));
		CHECK_FALSE(e.rport);
		CHECK_FALSE(e.lun);
		CHECK_FALSE(e.logged_in);
	}
	SECTION("LUN added")
	{
		Msg m(VHOST_VPORT_CMD_EVENT);
		put_event_head(m, VHOST_VPORT_EVENT_LUN_ADDED);
		m.u64(VHOST_VPORT_A_EVENT_LUN, 5);
		m.u64(VHOST_VPORT_A_EVENT_RPORT, 0x2000525600020000ull);
		Event e = vport::detail::parse_event_msg(m.hdr());
		CHECK(e.type == EventType::lun_added);
		CHECK(e.rport == Wwn::unchecked(0x2000525600020000ull));
		CHECK(e.lun == 5u);
	}
	SECTION("login state")
	{
		Msg m(VHOST_VPORT_CMD_EVENT);
		put_event_head(m, VHOST_VPORT_EVENT_LOGIN_STATE);
		m.u8(VHOST_VPORT_A_LOGGED_IN, 0);
		Event e = vport::detail::parse_event_msg(m.hdr());
		CHECK(e.type == EventType::login_state);
		CHECK(e.logged_in == false);
	}
	SECTION("a newer module's event")
	{
		Msg m(VHOST_VPORT_CMD_EVENT);
		put_event_head(m, VHOST_VPORT_EVENT_MAX + 3);
		Event e = vport::detail::parse_event_msg(m.hdr());
		CHECK(e.type == EventType::unknown);
		CHECK(e.raw_type == VHOST_VPORT_EVENT_MAX + 3);
	}
}

TEST_CASE("Malformed events are refused with the reason", "[netlink]")
{
	SECTION("no event type")
	{
		Msg m(VHOST_VPORT_CMD_EVENT);
		m.u32(VHOST_VPORT_A_ID, 3);
		m.u64(VHOST_VPORT_A_WWPN, 1);
		CHECK_THAT(event_error(m), Catch::Contains("no event type"));
	}
	SECTION("login state without the state")
	{
		Msg m(VHOST_VPORT_CMD_EVENT);
		put_event_head(m, VHOST_VPORT_EVENT_LOGIN_STATE);
		CHECK_THAT(event_error(m), Catch::Contains("without the state"));
	}
	SECTION("a GET reply where an event belongs")
	{
		Msg m(VHOST_VPORT_CMD_GET);
		put_event_head(m, VHOST_VPORT_EVENT_LINK_UP);
		CHECK_THAT(event_error(m), Catch::Contains("command 1, want 2"));
	}
	SECTION("truncated")
	{
		// A netlink header with no room for the generic one.
		nlmsghdr h{};
		h.nlmsg_len = sizeof(h);
		h.nlmsg_type = fake_family;
		CHECK_THROWS_AS(vport::detail::parse_event_msg(&h), vport::SystemError);
	}
}

TEST_CASE("Every event kind and state has a name", "[netlink]")
{
	CHECK(vport::event_type_name(EventType::vport_created) == "vport-created");
	CHECK(vport::event_type_name(EventType::lun_removed) == "lun-removed");
	CHECK(vport::event_type_name(EventType::link_down) == "link-down");
	CHECK(vport::event_type_name(EventType::events_lost) == "events-lost");
	for (std::uint32_t raw = 1; raw <= VHOST_VPORT_EVENT_MAX; raw++)
		CHECK(vport::detail::event_type_of(raw) != EventType::unknown);
	CHECK(vport::vport_state_name(VHOST_VPORT_STATE_LINKDOWN) == "linkdown");
	CHECK(vport::vport_state_name(VHOST_VPORT_STATE_FABRIC_REJ_WWN) == "fabric-rejected-wwn");
}
