// SPDX-License-Identifier: GPL-2.0-or-later
// vport::Wwn: parsing every form, printing every form, NAA validation.
#include <catch2/catch.hpp>

#include <vport/error.hpp>
#include <vport/wwn.hpp>

#include <unordered_set>

using vport::Wwn;
using vport::WwnError;

namespace {

// The message of the WwnError that parsing @p text throws.
std::string parse_error(std::string_view text)
{
	try {
		Wwn::parse(text);
	} catch (const WwnError &e) {
		return e.what();
	}
	FAIL("parse accepted '" << text << "'");
	return {};
}

} // namespace

TEST_CASE("Wwn parses every common form to the same value", "[wwn]")
{
	const std::uint64_t v = 0x2101001b32a90004;
	auto form = GENERATE(as<std::string>{}, "0x2101001b32a90004", "0X2101001B32A90004",
			     "21:01:00:1b:32:a9:00:04", "21:01:00:1B:32:A9:00:04", "naa.2101001b32a90004",
			     "NAA.2101001B32A90004", "2101001b32a90004", "2101001B32A90004",
			     " 0x2101001b32a90004\n", "\t21:01:00:1b:32:a9:00:04 ");
	CAPTURE(form);
	CHECK(Wwn::parse(form).value() == v);
	CHECK(Wwn::parse_any(form).value() == v);
	auto t = Wwn::try_parse(form);
	REQUIRE(t);
	CHECK(t->value() == v);
}

TEST_CASE("Wwn prints every form", "[wwn]")
{
	Wwn w = Wwn::parse("0x2101001b32a90004");
	CHECK(w.colon() == "21:01:00:1b:32:a9:00:04");
	CHECK(w.str() == "21:01:00:1b:32:a9:00:04");
	CHECK(w.hex() == "2101001b32a90004");
	CHECK(w.hex0x() == "0x2101001b32a90004");
	CHECK(w.naa_form() == "naa.2101001b32a90004");

	// Leading zero bytes are kept in every form.
	Wwn z = Wwn::parse("10:00:00:00:c9:01:02:03");
	CHECK(z.hex() == "10000000c9010203");
	CHECK(z.colon() == "10:00:00:00:c9:01:02:03");

	// Each printed form parses back to the same name.
	for (auto s : {w.colon(), w.hex(), w.hex0x(), w.naa_form()})
		CHECK(Wwn::parse(s) == w);
}

TEST_CASE("Wwn NAA field and OUI", "[wwn]")
{
	CHECK(Wwn::parse("10:00:00:00:c9:a1:b2:c3").naa() == 1);
	CHECK(Wwn::parse("10:00:00:00:c9:a1:b2:c3").oui() == 0x0000c9u);
	CHECK(Wwn::parse("21:01:00:1b:32:a9:00:04").naa() == 2);
	CHECK(Wwn::parse("21:01:00:1b:32:a9:00:04").oui() == 0x001b32u);
	CHECK(Wwn::parse("3fffffffffffffff").naa() == 3);
	CHECK_FALSE(Wwn::parse("3fffffffffffffff").oui());
	// NAA 5: OUI in bits 59-36 (0x001405 is Linux-IO's; 0x006016 EMC's).
	CHECK(Wwn::parse("5001405abcdef012").naa() == 5);
	CHECK(Wwn::parse("5001405abcdef012").oui() == 0x001405u);
	CHECK(Wwn::parse("50060160c4e01234").oui() == 0x006016u);
	CHECK(vport::naa_name(2) == "IEEE extended");
	CHECK(vport::naa_name(5) == "IEEE registered");
	CHECK(vport::naa_name(0xe) == "CCITT");
	CHECK(vport::naa_name(0x8) == "reserved");
}

TEST_CASE("Wwn accepts NAA 1, 2, 3 and 5", "[wwn]")
{
	auto ok = GENERATE(as<std::string>{}, "1000000000000001", "10000090fa1b2c3d", "2000000000000001",
			   "2fff001b32a90004", "3000000000000001", "3123456789abcdef", "5000000000000001",
			   "5fffffffffffffff");
	CAPTURE(ok);
	Wwn w = Wwn::parse(ok);
	CHECK(w.valid());
	CHECK_FALSE(w.problem());
	CHECK_NOTHROW(Wwn::from_u64(w.value()));
}

TEST_CASE("Wwn rejects names the NAA rules forbid, saying why", "[wwn]")
{
	CHECK_THAT(parse_error("0000000000000000"), Catch::Contains("'0000000000000000'") &&
							   Catch::Contains("zero is not a name"));
	CHECK_THAT(parse_error("0000000000000001"), Catch::Contains("NAA 0"));
	// NAA 1 keeps bits 59-48 zero.
	CHECK_THAT(parse_error("1001000000000001"), Catch::Contains("NAA 1") && Catch::Contains("59-48"));
	CHECK_THAT(parse_error("naa.6001405abcdef012"),
		   Catch::Contains("naa.6001405abcdef012") && Catch::Contains("128 bits"));
	CHECK_THAT(parse_error("4000000000000001"), Catch::Contains("NAA 4"));
	CHECK_THAT(parse_error("7000000000000001"), Catch::Contains("NAA 7") && Catch::Contains("reserved"));
	CHECK_THAT(parse_error("c000000000000001"), Catch::Contains("NAA 12") && Catch::Contains("CCITT"));
	CHECK_THROWS_AS(Wwn::from_u64(0), WwnError);
	CHECK_THROWS_AS(Wwn::from_u64(0x6000000000000001), WwnError);
	CHECK_THROWS_WITH(Wwn::from_u64(0x6000000000000001), Catch::Contains("0x6000000000000001"));
	// parse_any checks only the syntax: names a driver reports can be looked up.
	CHECK(Wwn::parse_any("6001405abcdef012").value() == 0x6001405abcdef012);
	CHECK_FALSE(Wwn::parse_any("6001405abcdef012").valid());
	CHECK(Wwn::unchecked(0).problem() == std::string("zero is not a name"));
}

TEST_CASE("Wwn rejects malformed text, naming it and the cause", "[wwn]")
{
	struct Bad {
		const char *text;
		const char *cause;
	};
	auto bad = GENERATE(values<Bad>({
		{"", "empty"},
		{"   ", "empty"},
		{"2101001b32a9000", "16 hex digits, got 15"},
		{"2101001b32a900041", "16 hex digits, got 17"},
		{"0x2101001b32a9", "0x form needs exactly 16 hex digits, got 12"},
		{"0x", "0x form needs exactly 16 hex digits, got 0"},
		{"naa.21", "naa. form needs exactly 16 hex digits"},
		{"naa.", "naa. form needs exactly 16 hex digits"},
		{"21:01:00:1b:32:a9:00", "8 groups"},
		{"21:01:00:1b:32:a9:00:04:05", "8 groups"},
		{"21:1:00:1b:32:a9:00:04", "8 groups"},
		{"21:01:00:1b:32:a9:00:", "8 groups"},
		{"21::01:00:1b:32:a9:00:04", "8 groups"},
		{"21:01:00:1b:32:a9:00:0g", "'g' is not a hex digit"},
		{"2101001b32a9000z", "'z' is not a hex digit"},
		{"2101-001b-32a9-0004", "16 hex digits"},
		{"-101001b32a90004", "'-' is not a hex digit"},
		{"0x-101001b32a90004", "'-' is not a hex digit"},
		{"wwn.2101001b32a90004", "16 hex digits"},
		{"2101001b 32a90004", "16 hex digits"},
	}));
	CAPTURE(bad.text);
	std::string msg = parse_error(bad.text);
	CHECK_THAT(msg, Catch::Contains(std::string("WWN '") + bad.text + "'"));
	CHECK_THAT(msg, Catch::Contains(bad.cause));
	CHECK_THROWS_AS(Wwn::parse_any(bad.text), WwnError);
	std::string why;
	CHECK_FALSE(Wwn::try_parse(bad.text, &why));
	CHECK(why == msg);
}

TEST_CASE("Wwn is a value type: compared, ordered, hashed", "[wwn]")
{
	Wwn a = Wwn::parse("2000000000000001"), b = Wwn::parse("20:00:00:00:00:00:00:02");
	CHECK(a == Wwn::parse("naa.2000000000000001"));
	CHECK(a != b);
	CHECK(a < b);
	std::unordered_set<Wwn> set{a, b, Wwn::parse("0x2000000000000001")};
	CHECK(set.size() == 2);
}
