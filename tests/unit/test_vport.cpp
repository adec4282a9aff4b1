// SPDX-License-Identifier: GPL-2.0-or-later
// vport::Vport without the kernel: the messages of every CREATE errno, the
// control device's own failures, and the handle's ownership rules.
#include <catch2/catch.hpp>

#include <vport/error.hpp>
#include <vport/vport.hpp>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

using vport::CreateRequest;
using vport::ParentSpec;
using vport::Vport;
using vport::Wwn;

namespace {

CreateRequest req(ParentSpec p = ParentSpec::any())
{
	CreateRequest r;
	r.wwpn = Wwn::parse("21:00:00:1b:32:00:00:01");
	r.wwnn = Wwn::parse("20:00:00:1b:32:00:00:01");
	r.parent = std::move(p);
	return r;
}

bool fd_open(int fd)
{
	return ::fcntl(fd, F_GETFD) >= 0;
}

} // namespace

TEST_CASE("Every CREATE errno has its own message naming the WWPN", "[vport]")
{
	struct Case {
		int err;
		ParentSpec parent;
		const char *want;
	};
	const Wwn pw = Wwn::parse("21:00:00:1b:32:a9:00:04");
	auto c = GENERATE_COPY(values<Case>({
		{EINVAL, ParentSpec::any(), "malformed"},
		{ENODEV, ParentSpec::by_name("host9"), "no such parent host9"},
		{ENODEV, ParentSpec::by_fabric(pw), "no FC port on fabric 21:00:00:1b:32:a9:00:04"},
		{ENODEV, ParentSpec::any(), "no online NPIV-capable FC port"},
		{ENXIO, ParentSpec::by_name("host2"), "parent host2 is not a Fibre Channel port"},
		{EOPNOTSUPP, ParentSpec::by_wwpn(pw), "parent 21:00:00:1b:32:a9:00:04 does not support NPIV"},
		{ENOSPC, ParentSpec::by_name("host5"), "no room for another vport"},
		{ENETDOWN, ParentSpec::by_name("host5"), "is not online"},
		{EADDRINUSE, ParentSpec::any(), "already in use on this host"},
		{ECONNREFUSED, ParentSpec::any(), "the fabric rejected the WWPN"},
		{ETIMEDOUT, ParentSpec::by_name("host5"), "no fabric login on parent host5 within 30 s"},
		{EINTR, ParentSpec::any(), "interrupted"},
		{EPERM, ParentSpec::any(), "CAP_SYS_ADMIN"},
		{ENOTTY, ParentSpec::any(), "versions differ"},
	}));
	auto r = req(c.parent);
	std::string m = vport::create_error_message(r, c.err);
	CAPTURE(c.err, m);
	CHECK_THAT(m, Catch::StartsWith("vport 21:00:00:1b:32:00:00:01: "));
	CHECK_THAT(m, Catch::Contains(c.want));
}

TEST_CASE("The login timeout appears in ETIMEDOUT's message", "[vport]")
{
	auto r = req();
	r.login_timeout_ms = 1500;
	CHECK_THAT(vport::create_error_message(r, ETIMEDOUT), Catch::EndsWith("within 1500 ms"));
}

TEST_CASE("A missing control device says the module is not loaded", "[vport]")
{
	auto r = req();
	r.control_device = "/nonexistent/vhost-vport";
	try {
		Vport::create(r);
		FAIL("created");
	} catch (const vport::SystemError &e) {
		CHECK(e.code() == ENOENT);
		CHECK(std::string(e.what()) == "vport 21:00:00:1b:32:00:00:01: /nonexistent/vhost-vport: no such device "
					       "(is the vhost_vport module loaded?)");
	}
}

TEST_CASE("A control device that is not ours gives ENOTTY's message and leaks no fd", "[vport]")
{
	int probe = ::open("/dev/null", O_RDONLY);
	::close(probe);
	auto r = req();
	r.control_device = "/dev/null";
	try {
		Vport::create(r);
		FAIL("created");
	} catch (const vport::SystemError &e) {
		CHECK(e.code() == ENOTTY);
		CHECK_THAT(e.what(), Catch::Contains("does not know VHOST_VPORT_CREATE"));
	}
	// The control fd was closed: the next open gets the same number.
	int again = ::open("/dev/null", O_RDONLY);
	CHECK(again == probe);
	::close(again);
}

TEST_CASE("A parent name too long for the ABI is refused before the ioctl", "[vport]")
{
	auto r = req(ParentSpec::by_name(std::string(40, 'h')));
	r.control_device = "/dev/null";
	CHECK_THROWS_WITH(Vport::create(r), Catch::Contains("too long"));
}

TEST_CASE("Vport owns its fd: moves, releases, closes", "[vport]")
{
	int p[2];
	REQUIRE(::pipe(p) == 0);
	::close(p[1]);
	const Wwn w = Wwn::parse("21:00:00:1b:32:00:00:01");
	{
		Vport a = Vport::adopt(p[0], w);
		CHECK(a.fd() == p[0]);
		CHECK(a.wwpn() == w);
		Vport b = std::move(a);
		CHECK(a.fd() == -1);
		CHECK_FALSE(a);
		CHECK(b.fd() == p[0]);
		Vport c;
		c = std::move(b);
		CHECK(fd_open(p[0]));
		// GET_INFO on something that is not a vport fd: a SystemError naming it.
		CHECK_THROWS_WITH(c.info(), Catch::StartsWith("vport 21:00:00:1b:32:00:00:01: GET_INFO: "));
		CHECK_THROWS_AS(c.targets(), vport::SystemError);
	}
	CHECK_FALSE(fd_open(p[0]));

	REQUIRE(::pipe(p) == 0);
	::close(p[1]);
	int kept;
	{
		Vport a = Vport::adopt(p[0], w);
		kept = a.release_fd();
		CHECK(a.fd() == -1);
	}
	CHECK(fd_open(kept));
	::close(kept);

	Vport big = Vport::adopt(-1, w);
	CHECK_THROWS_WITH(big.set_targets(std::vector<vport::Target>(257)), Catch::Contains("at most 256"));
}
