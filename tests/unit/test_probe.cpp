// SPDX-License-Identifier: GPL-2.0-or-later
// The answers vportctl probe reads: INQUIRY and the device identification
// VPD page, as LIO and real arrays send them, and malformed ones.
#include <catch2/catch.hpp>

#include <vport/probe.hpp>

#include <cstring>
#include <vector>

using vport::Designator;

TEST_CASE("INQUIRY: vendor, product and revision without padding; type")
{
	std::vector<std::uint8_t> d(36, ' ');
	d[0] = 0x00;
	std::memcpy(&d[8], "LIO-ORG ", 8);
	std::memcpy(&d[16], "RAMDISK-MCP     ", 16);
	std::memcpy(&d[32], "4.0 ", 4);
	vport::ProbedLun l;
	REQUIRE(vport::parse_inquiry(d, l));
	CHECK(l.peripheral_type == 0);
	CHECK(l.vendor == "LIO-ORG");
	CHECK(l.product == "RAMDISK-MCP");
	CHECK(l.revision == "4.0");

	d[0] = 0x7f; // no LUN here (peripheral qualifier 3, type 0x1f)
	REQUIRE(vport::parse_inquiry(d, l));
	CHECK(l.peripheral_type == 0x1f);

	vport::ProbedLun s;
	CHECK_FALSE(vport::parse_inquiry(std::span(d.data(), 35), s));
	CHECK(s.peripheral_type == -1);
}

TEST_CASE("VPD 0x83: NAA, EUI-64, T10 and SCSI name of the LU; port ones skipped")
{
	std::vector<std::uint8_t> p = {0x00, 0x83, 0x00, 0x00};
	auto add = [&](std::uint8_t codeset, std::uint8_t assoc_type, std::vector<std::uint8_t> v) {
		p.insert(p.end(), {codeset, assoc_type, 0, static_cast<std::uint8_t>(v.size())});
		p.insert(p.end(), v.begin(), v.end());
	};
	add(1, 0x03, {0x60, 0x01, 0x40, 0x5a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a,
		      0xbc, 0xde, 0xf0, 0x11});                       // NAA 6
	add(1, 0x02, {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77}); // EUI-64
	add(2, 0x01, {'L', 'I', 'O', '-', 'O', 'R', 'G', ' ', 'x', 'y'}); // T10 vendor id
	add(3, 0x08, {'n', 'a', 'a', '.', '6', '0', 0, 0});              // SCSI name, padded
	add(1, 0x13, {0x50, 0, 0, 0, 0, 0, 0, 1});                       // NAA of the port: skipped
	p[3] = static_cast<std::uint8_t>(p.size() - 4);
	auto ids = vport::parse_vpd83(p);
	REQUIRE(ids.size() == 4);
	CHECK(ids[0] == Designator{"naa", "6001405abcdef0123456789abcdef011"});
	CHECK(ids[1] == Designator{"eui64", "0011223344556677"});
	CHECK(ids[2] == Designator{"t10", "LIO-ORG xy"});
	CHECK(ids[3] == Designator{"scsi-name", "naa.60"});
}

TEST_CASE("VPD 0x83: malformed pages give what is whole, never read past the end")
{
	CHECK(vport::parse_vpd83({}).empty());
	std::vector<std::uint8_t> wrong_page = {0x00, 0x80, 0x00, 0x00};
	CHECK(vport::parse_vpd83(wrong_page).empty());
	// A designator claiming more bytes than the page holds.
	std::vector<std::uint8_t> cut = {0x00, 0x83, 0x00, 0x08, 1, 3, 0, 16, 0x60, 0x01, 0x40, 0x5a};
	CHECK(vport::parse_vpd83(cut).empty());
	// A page length beyond the buffer: only the buffer counts.
	std::vector<std::uint8_t> longer = {0x00, 0x83, 0xff, 0xff, 1, 3, 0, 2, 0xab, 0xcd};
	auto ids = vport::parse_vpd83(longer);
	REQUIRE(ids.size() == 1);
	CHECK(ids[0].value == "abcd");
}
