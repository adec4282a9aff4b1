// SPDX-License-Identifier: GPL-2.0-or-later
// exec's placeholders and the fds a child inherits.
#include "tmpdir.hpp"

#include <catch2/catch.hpp>

#include <vport/error.hpp>
#include <vport/exec.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using vport::FdBinding;
using vport::Wwn;
using Args = std::vector<std::string>;

namespace {

const Wwn A = Wwn::parse("21:00:00:1b:32:00:00:01");
const Wwn B = Wwn::parse("21:00:00:1b:32:00:00:02");

std::string error_of(const Args &args, const std::vector<FdBinding> &v)
{
	try {
		vport::substitute_placeholders(args, v);
	} catch (const vport::Error &e) {
		return e.what();
	}
	return "(no error)";
}

} // namespace

TEST_CASE("{fd} and {wwpn} stand for the only vport", "[exec]")
{
	std::vector<FdBinding> one{{"", 7, A}};
	Args in{"qemu-system-x86_64", "-S", "-device", "vhost-scsi-pci,wwpn={wwpn},vhostfd={fd},id=vs0"};
	Args want{"qemu-system-x86_64", "-S", "-device", "vhost-scsi-pci,wwpn=naa.2100001b32000001,vhostfd=7,id=vs0"};
	CHECK(vport::substitute_placeholders(in, one) == want);
	// A definition's vport is also "the only one".
	std::vector<FdBinding> named{{"db1", 9, A}};
	CHECK(vport::substitute_placeholders({"x={fd}"}, named) == Args{"x=9"});
}

TEST_CASE("{fd:NAME} picks the named vport", "[exec]")
{
	std::vector<FdBinding> two{{"a", 5, A}, {"b", 6, B}};
	Args in{"-device", "vhost-scsi-pci,wwpn={wwpn:a},vhostfd={fd:a}", "-device",
		"vhost-scsi-pci,wwpn={wwpn:b},vhostfd={fd:b}"};
	Args want{"-device", "vhost-scsi-pci,wwpn=naa.2100001b32000001,vhostfd=5", "-device",
		  "vhost-scsi-pci,wwpn=naa.2100001b32000002,vhostfd=6"};
	CHECK(vport::substitute_placeholders(in, two) == want);
	CHECK_THAT(error_of({"{fd}", "{fd:a}", "{fd:b}"}, two), Catch::Contains("{fd} needs exactly one vport, there are 2"));
	CHECK_THAT(error_of({"{fd:a}", "{fd:c}"}, two), Catch::Contains("no vport named 'c'"));
}

TEST_CASE("Every vport must be handed over", "[exec]")
{
	std::vector<FdBinding> two{{"a", 5, A}, {"b", 6, B}};
	CHECK(error_of({"vhostfd={fd:a}", "wwpn={wwpn:b}"}, two) ==
	      "vport b: no {fd:b} in the command line hands it to QEMU");
	CHECK_THAT(error_of({"true"}, {{"", 5, A}}), Catch::Contains("no {fd} in the command line"));
}

TEST_CASE("Other braces are left alone; {{fd}} is a literal {fd}", "[exec]")
{
	std::vector<FdBinding> one{{"", 7, A}};
	Args in{R"({"driver":"vhost-scsi-pci","vhostfd":"{fd}","x":{"y":{}}})", "{{fd}}", "{{fd:x}}", "{wwpn", "{}",
		"{{", "}}", "{foo}", "{fd:}"};
	Args want{R"({"driver":"vhost-scsi-pci","vhostfd":"7","x":{"y":{}}})", "{fd}", "{fd:x}", "{wwpn", "{}",
		  "{{", "}}", "{foo}", "{fd:}"};
	CHECK(vport::substitute_placeholders(in, one) == want);
}

TEST_CASE("exec passes exactly the vport fds", "[exec]")
{
	TempDir t;
	// High numbers, so that they cannot be the fd ls itself opens.
	int keep = ::fcntl(::open("/dev/null", O_RDONLY | O_CLOEXEC), F_DUPFD_CLOEXEC, 40);
	int other = ::fcntl(::open("/dev/null", O_RDONLY), F_DUPFD, 50); // not close-on-exec: must not leak
	REQUIRE(keep >= 40);
	REQUIRE(other >= 50);
	std::string out = (t.path / "fds").string();
	pid_t pid = ::fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		::dup2(o, 1);
		try {
			vport::exec_with_fds({"/bin/sh", "-c", "ls /proc/self/fd | sort -n | tr '\\n' ' '"}, {keep});
		} catch (...) {
		}
		::_exit(127);
	}
	int status = 0;
	::waitpid(pid, &status, 0);
	::close(keep);
	::close(other);
	REQUIRE(WIFEXITED(status));
	REQUIRE(WEXITSTATUS(status) == 0);
	// 0, 1, 2, the kept fd, and the fd ls uses for /proc/self/fd.
	std::string fds = read_file(out);
	CAPTURE(fds);
	CHECK(fds.find(" " + std::to_string(keep) + " ") != std::string::npos);
	CHECK(fds.find(" " + std::to_string(other) + " ") == std::string::npos);
}

TEST_CASE("exec of a missing program says so", "[exec]")
{
	pid_t pid = ::fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		try {
			vport::exec_with_fds({"/nonexistent/qemu"}, {});
		} catch (const vport::SystemError &e) {
			::_exit(std::string(e.what()) == "/nonexistent/qemu: cannot execute: No such file or directory" ? 0 : 2);
		}
		::_exit(3);
	}
	int status = 0;
	::waitpid(pid, &status, 0);
	CHECK(WEXITSTATUS(status) == 0);
}
