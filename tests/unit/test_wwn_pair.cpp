// SPDX-License-Identifier: GPL-2.0-or-later
// A/B WWN pairs from a VM UUID: deterministic, distinct, valid NAA, and the
// check against the WWPNs this host already uses.
#include "tmpdir.hpp"

#include <catch2/catch.hpp>

#include <vport/error.hpp>
#include <vport/wwn_pair.hpp>

#include <set>

using vport::Uuid;
using vport::Wwn;
using vport::WwnPrefix;

namespace {

std::vector<Wwn> all_four(const vport::WwnPair &p)
{
	return {p.a.wwpn, p.a.wwnn, p.b.wwpn, p.b.wwnn};
}

} // namespace

TEST_CASE("Uuid parses the common forms to the same bytes", "[pair]")
{
	auto form = GENERATE(as<std::string>{}, "6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60",
			     "6F1C2A8E-3B1D-4C55-9E0A-1B2C3D4E5F60", "6f1c2a8e3b1d4c559e0a1b2c3d4e5f60",
			     "{6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60}");
	CAPTURE(form);
	CHECK(Uuid::parse(form).str() == "6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60");
}

TEST_CASE("Uuid rejects malformed text, naming it", "[pair]")
{
	auto bad = GENERATE(as<std::string>{}, "", "6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f6",
			    "6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f600", "6f1c2a8e-3b1d4-c55-9e0a-1b2c3d4e5f60",
			    "6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5fzz", "00000000-0000-0000-0000-000000000000");
	CAPTURE(bad);
	try {
		Uuid::parse(bad);
		FAIL("accepted");
	} catch (const vport::Error &e) {
		CHECK_THAT(e.what(), Catch::StartsWith("UUID '" + bad + "'"));
	}
}

TEST_CASE("WwnPrefix parses OUI and NAA 5 prefixes", "[pair]")
{
	auto p = WwnPrefix::parse("00:1b:32");
	CHECK(p.kind == WwnPrefix::Kind::oui);
	CHECK(p.oui == 0x001b32);
	CHECK(WwnPrefix::parse("001B32").oui == 0x001b32);
	CHECK(WwnPrefix::parse("00-1b-32").str() == "oui 00:1b:32");

	auto n = WwnPrefix::parse("5001b32");
	CHECK(n.kind == WwnPrefix::Kind::naa5);
	CHECK(n.oui == 0x001b32);
	CHECK(n.fixed_bits == 0);
	auto n2 = WwnPrefix::parse("50:01:b3:2a:b");
	CHECK(n2.oui == 0x001b32);
	CHECK(n2.fixed_bits == 8);
	CHECK(n2.fixed == 0xab);
	CHECK(n2.str() == "naa5 5001b32ab");
}

TEST_CASE("WwnPrefix rejects what cannot be a prefix", "[pair]")
{
	auto bad = GENERATE(as<std::string>{}, "", "00:1b", "001b3", "2001b32", "5001b32abc", "00:1b:3g",
			    "01:1b:32" /* group bit */);
	CAPTURE(bad);
	CHECK_THROWS_AS(WwnPrefix::parse(bad), vport::WwnError);
}

TEST_CASE("Pairs are deterministic: scheme 1 reference values", "[pair]")
{
	// These values are the scheme's contract: a change renames every VM.
	auto u = Uuid::parse("6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60");
	auto p = vport::generate_pair(u, WwnPrefix::parse("00:1b:32"));
	CHECK(p.a.wwpn.colon() == "21:b2:00:1b:32:4d:02:ad");
	CHECK(p.a.wwnn.colon() == "20:b2:00:1b:32:4d:02:ad");
	CHECK(p.b.wwpn.colon() == "23:b2:00:1b:32:4d:02:ad");
	CHECK(p.b.wwnn.colon() == "22:b2:00:1b:32:4d:02:ad");
	auto q = vport::generate_pair(u, WwnPrefix::parse("5001b32a"));
	CHECK(q.a.wwpn.colon() == "50:01:b3:2a:c9:34:0a:b5");
	CHECK(q.a.wwnn.colon() == "50:01:b3:2a:c9:34:0a:b4");
	CHECK(q.b.wwpn.colon() == "50:01:b3:2a:c9:34:0a:b7");
	CHECK(q.b.wwnn.colon() == "50:01:b3:2a:c9:34:0a:b6");
	// Same input, same output; UUID case and dashes do not matter.
	auto again = vport::generate_pair(Uuid::parse("6F1C2A8E3B1D4C559E0A1B2C3D4E5F60"), WwnPrefix::parse("001b32"));
	CHECK(all_four(again) == all_four(p));
}

TEST_CASE("Pairs are valid NAA names, distinct within a pair and across VMs", "[pair]")
{
	auto prefix_text = GENERATE(as<std::string>{}, "00:1b:32", "00:0e:1e", "5001b32", "5001b32a", "5001b32ab");
	auto prefix = WwnPrefix::parse(prefix_text);
	CAPTURE(prefix_text);
	std::set<Wwn> seen;
	for (unsigned vm = 1; vm <= 2000; vm++) {
		char uuid[40];
		std::snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-%012x", vm * 2654435761u, vm);
		auto p = vport::generate_pair(Uuid::parse(uuid), prefix);
		for (Wwn w : all_four(p)) {
			INFO(uuid << " " << w.colon());
			REQUIRE(w.valid());
			REQUIRE(w.oui() == prefix.oui);
			REQUIRE(seen.insert(w).second);
		}
		if (prefix.kind == WwnPrefix::Kind::oui) {
			REQUIRE(p.a.wwpn.naa() == 2);
			REQUIRE((p.a.wwnn.value() >> 56) == 0x20);
			REQUIRE((p.a.wwpn.value() >> 56) == 0x21);
		} else {
			REQUIRE(p.a.wwpn.naa() == 5);
			if (prefix.fixed_bits)
				REQUIRE((p.a.wwpn.value() >> (36 - prefix.fixed_bits) & ((1u << prefix.fixed_bits) - 1)) ==
					prefix.fixed);
		}
	}
}

TEST_CASE("check_in_use finds WWPNs on fc_hosts and fc_vports of the sysfs root", "[pair]")
{
	vport::SysfsRoot fx(std::filesystem::path(VPORT_FIXTURES) / "pci-npiv");
	auto used = vport::check_in_use(fx, {Wwn::unchecked(0x2101001b32a9a001), Wwn::unchecked(0x2101001b32a9a002),
					     Wwn::unchecked(0x2101001b32a9ffff)});
	std::set<std::string> where;
	for (const auto &u : used)
		where.insert(u.wwpn.hex() + "@" + u.where);
	CHECK(where == std::set<std::string>{"2101001b32a9a001@host7", "2101001b32a9a001@vport-5:0-0",
					     "2101001b32a9a002@vport-5:0-1"});

	// A generated pair against a host that already runs its A WWPN.
	auto p = vport::generate_pair(Uuid::parse("6f1c2a8e-3b1d-4c55-9e0a-1b2c3d4e5f60"), WwnPrefix::parse("00:1b:32"));
	TempDir t;
	write_file(t.path / "class/fc_host/host3/port_name", p.a.wwpn.hex0x() + "\n");
	write_file(t.path / "class/fc_host/host4/port_name", "0x2100001b32a90004\n");
	auto hit = vport::check_in_use(vport::SysfsRoot(t.path), {p.a.wwpn, p.b.wwpn});
	REQUIRE(hit.size() == 1);
	CHECK(hit[0].wwpn == p.a.wwpn);
	CHECK(hit[0].where == "host3");
	// No FC at all: nothing in use.
	CHECK(vport::check_in_use(vport::SysfsRoot(t.path / "nothing"), {p.a.wwpn}).empty());
}
