// SPDX-License-Identifier: GPL-2.0-or-later
// The QMP client against a fake QEMU on a socketpair: greeting and
// capabilities, getfd with the fd as SCM_RIGHTS, errors, events, attach's
// rollback, detach, and peers that are not QEMU.
#include <catch2/catch.hpp>

#include <vport/error.hpp>
#include <vport/qmp.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <thread>

using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const char *greeting =
	R"({"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "fake"}, "capabilities": ["oob"]}})";

// The server side of the conversation.
class Peer {
public:
	explicit Peer(int fd) : fd_(fd) {}
	~Peer() { ::close(fd_); }
	void send(const std::string &line) { REQUIRE(::write(fd_, (line + "\n").data(), line.size() + 1) > 0); }
	// One command; any fd that came with it goes to *fd.
	Json recv(int *fd = nullptr)
	{
		for (;;) {
			auto nl = buf_.find('\n');
			if (nl != std::string::npos) {
				Json j = Json::parse(buf_.substr(0, nl));
				buf_.erase(0, nl + 1);
				return j;
			}
			char data[4096];
			iovec iov{data, sizeof(data)};
			alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
			msghdr m{};
			m.msg_iov = &iov;
			m.msg_iovlen = 1;
			m.msg_control = control;
			m.msg_controllen = sizeof(control);
			ssize_t n = ::recvmsg(fd_, &m, MSG_CMSG_CLOEXEC);
			if (n <= 0)
				throw std::runtime_error("client closed");
			for (cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
					int got;
					std::memcpy(&got, CMSG_DATA(c), sizeof(int));
					if (fd)
						*fd = got;
					else
						::close(got);
				}
			buf_.append(data, static_cast<std::size_t>(n));
		}
	}
	// Greeting, then answers qmp_capabilities.
	void handshake()
	{
		send(greeting);
		Json c = recv();
		CHECK(c["execute"] == "qmp_capabilities");
		send(R"({"return": {}})");
	}

private:
	int fd_;
	std::string buf_;
};

// Runs @p server on the other end of a socketpair while @p client runs here.
void converse(const std::function<void(Peer &)> &server, const std::function<void(int fd)> &client)
{
	int sv[2];
	REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	std::string server_error;
	std::thread t([&] {
		Peer p(sv[1]);
		try {
			server(p);
		} catch (const std::exception &e) {
			server_error = e.what();
		}
	});
	try {
		client(sv[0]);
	} catch (...) {
		::shutdown(sv[0], SHUT_RDWR);
		t.join();
		throw;
	}
	t.join();
	// "client closed" is how a server loop learns the test is over.
	if (!server_error.empty() && server_error != "client closed")
		FAIL("fake QEMU: " << server_error);
}

std::string qmp_error(int fd, std::chrono::milliseconds timeout = 2s)
{
	try {
		vport::QmpClient::from_fd(fd, "QMP socket test", timeout);
	} catch (const vport::QmpProtocolError &e) {
		return e.what();
	}
	return "(connected)";
}

} // namespace

TEST_CASE("QMP: greeting, capabilities, a command and its answer", "[qmp]")
{
	converse(
		[](Peer &p) {
			p.handshake();
			Json c = p.recv();
			CHECK(c["execute"] == "query-status");
			CHECK_FALSE(c.contains("arguments"));
			// An event before the answer is kept for later.
			p.send(R"({"event": "RESUME", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}})");
			p.send(R"({"return": {"status": "prelaunch", "running": false}})");
			p.recv();
		},
		[](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			CHECK(q.qemu_version() == "7.2.22");
			auto r = q.execute("query-status");
			CHECK(r["status"] == "prelaunch");
			CHECK(q.wait_event("RESUME", Json::object(), 0ms));
			CHECK_FALSE(q.wait_event("RESUME", Json::object(), 0ms));
			::shutdown(q.fd(), SHUT_WR);
		});
}

TEST_CASE("QMP: getfd carries the fd as SCM_RIGHTS", "[qmp]")
{
	int passed = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
	REQUIRE(passed >= 0);
	struct stat want{};
	REQUIRE(::fstat(passed, &want) == 0);
	int got = -1;
	Json args;
	converse(
		[&](Peer &p) {
			p.handshake();
			Json c = p.recv(&got);
			args = c;
			p.send(R"({"return": {}})");
		},
		[&](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			q.execute("getfd", {{"fdname", "vport-x"}}, passed);
		});
	CHECK(args["execute"] == "getfd");
	CHECK(args["arguments"]["fdname"] == "vport-x");
	REQUIRE(got >= 0);
	struct stat st{};
	REQUIRE(::fstat(got, &st) == 0);
	CHECK(st.st_ino == want.st_ino);
	CHECK(st.st_rdev == want.st_rdev);
	::close(got);
	::close(passed);
}

TEST_CASE("QMP: an error answer becomes a QmpCommandError with QEMU's class and text", "[qmp]")
{
	converse(
		[](Peer &p) {
			p.handshake();
			p.recv();
			p.send(R"({"error": {"class": "DeviceNotFound", "desc": "Device 'nosuch' not found"}})");
		},
		[](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			try {
				q.execute("device_del", {{"id", "nosuch"}});
				FAIL("no error");
			} catch (const vport::QmpCommandError &e) {
				CHECK(e.class_name() == "DeviceNotFound");
				CHECK(e.desc() == "Device 'nosuch' not found");
				CHECK(std::string(e.what()) == "QMP socket test: device_del: Device 'nosuch' not found");
			}
		});
}

TEST_CASE("QMP: peers that are not QEMU are named as such", "[qmp]")
{
	SECTION("an SSH server")
	{
		converse([](Peer &p) { p.send("SSH-2.0-OpenSSH_9.2p1 Debian-2"); },
			 [](int fd) {
				 CHECK(qmp_error(fd) == "QMP socket test: not a QEMU QMP socket: it sent "
							"'SSH-2.0-OpenSSH_9.2p1 Debian-2', which is not JSON");
			 });
	}
	SECTION("JSON, but no QMP greeting")
	{
		converse([](Peer &p) { p.send(R"({"jsonrpc": "2.0"})"); },
			 [](int fd) {
				 CHECK_THAT(qmp_error(fd), Catch::Contains("not a QEMU QMP socket: the greeting is"));
			 });
	}
	SECTION("silence")
	{
		converse([](Peer &p) { p.recv(); },
			 [](int fd) {
				 CHECK(qmp_error(fd, 200ms) ==
				       "QMP socket test: not a QEMU QMP socket: no greeting within 200 ms");
			 });
	}
	SECTION("hangs up at once")
	{
		converse([](Peer &) {},
			 [](int fd) { CHECK(qmp_error(fd) == "QMP socket test: the peer closed the connection"); });
	}
	SECTION("refuses the capabilities negotiation")
	{
		converse(
			[](Peer &p) {
				p.send(greeting);
				p.recv();
				p.send(R"({"error": {"class": "CommandNotFound", "desc": "nope"}})");
			},
			[](int fd) { CHECK_THAT(qmp_error(fd), Catch::Contains("refused qmp_capabilities: nope")); });
	}
}

TEST_CASE("QMP: connect to a socket nobody listens on", "[qmp]")
{
	CHECK_THROWS_WITH(vport::QmpClient::connect("/nonexistent/qmp.sock"),
			  "QMP socket /nonexistent/qmp.sock: No such file or directory");
}

TEST_CASE("attach: getfd with the fd, then device_add with vhostfd and wwpn", "[qmp]")
{
	int passed = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
	std::vector<Json> seen;
	int got = -1;
	converse(
		[&](Peer &p) {
			p.handshake();
			seen.push_back(p.recv(&got));
			p.send(R"({"return": {}})");
			seen.push_back(p.recv());
			p.send(R"({"return": {}})");
		},
		[&](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			vport::AttachOptions o;
			o.id = "vs0";
			o.extra = {{"bus", "rp0"}};
			vport::attach_vhost_scsi(q, passed, "naa.2100001b32000001", o);
		});
	REQUIRE(seen.size() == 2);
	CHECK(seen[0] == Json::parse(R"({"execute": "getfd", "arguments": {"fdname": "vport-vs0"}})"));
	CHECK(seen[1] == Json::parse(R"({"execute": "device_add", "arguments": {"driver": "vhost-scsi-pci",
		"id": "vs0", "vhostfd": "vport-vs0", "wwpn": "naa.2100001b32000001", "bus": "rp0"}})"));
	CHECK(got >= 0);
	::close(got);
	::close(passed);
}

TEST_CASE("attach: a failed device_add closes the fd in QEMU and reports QEMU's reason", "[qmp]")
{
	int passed = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
	std::vector<Json> seen;
	converse(
		[&](Peer &p) {
			p.handshake();
			seen.push_back(p.recv());
			p.send(R"({"return": {}})");
			seen.push_back(p.recv());
			p.send(R"({"error": {"class": "GenericError", "desc": "vhost_set_owner failed: Inappropriate ioctl for device"}})");
			seen.push_back(p.recv());
			p.send(R"({"return": {}})");
		},
		[&](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			vport::AttachOptions o;
			o.id = "vs0";
			try {
				vport::attach_vhost_scsi(q, passed, "naa.2100001b32000001", o);
				FAIL("attached");
			} catch (const vport::QmpCommandError &e) {
				CHECK(e.desc() == "vhost_set_owner failed: Inappropriate ioctl for device");
			}
		});
	REQUIRE(seen.size() == 3);
	CHECK(seen[2] == Json::parse(R"({"execute": "closefd", "arguments": {"fdname": "vport-vs0"}})"));
	::close(passed);
}

TEST_CASE("attach: a failed getfd sends no device_add", "[qmp]")
{
	int passed = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
	int commands = 0;
	converse(
		[&](Peer &p) {
			p.handshake();
			p.recv();
			commands++;
			p.send(R"({"error": {"class": "GenericError", "desc": "No file descriptor supplied via SCM_RIGHTS"}})");
			p.recv(); // closefd
			commands++;
			p.send(R"({"error": {"class": "GenericError", "desc": "File descriptor named 'vport-vs0' not found"}})");
			p.recv(); // nothing more: the client closes
			commands++;
		},
		[&](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			vport::AttachOptions o;
			o.id = "vs0";
			CHECK_THROWS_WITH(vport::attach_vhost_scsi(q, passed, "naa.2100001b32000001", o),
					  Catch::Contains("getfd: No file descriptor supplied"));
		});
	// getfd failed: nothing to roll back in QEMU, and no device_add.
	CHECK(commands == 1);
	::close(passed);
}

TEST_CASE("detach: device_del, then DEVICE_DELETED for that device", "[qmp]")
{
	converse(
		[](Peer &p) {
			p.handshake();
			Json c = p.recv();
			CHECK(c == Json::parse(R"({"execute": "device_del", "arguments": {"id": "vs0"}})"));
			p.send(R"({"return": {}})");
			p.send(R"({"event": "DEVICE_DELETED", "data": {"path": "/machine/peripheral/vs0/virtio-backend"}})");
			p.send(R"({"event": "DEVICE_DELETED", "data": {"device": "other", "path": "/x"}})");
			p.send(R"({"event": "DEVICE_DELETED", "data": {"device": "vs0", "path": "/machine/peripheral/vs0"}})");
			p.recv();
		},
		[](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			CHECK(vport::detach_device(q, "vs0", 2s));
			::shutdown(q.fd(), SHUT_WR);
		});
}

TEST_CASE("detach: a device that does not go in time is reported, not waited for forever", "[qmp]")
{
	converse(
		[](Peer &p) {
			p.handshake();
			p.recv();
			p.send(R"({"return": {}})");
			p.recv();
		},
		[](int fd) {
			auto q = vport::QmpClient::from_fd(fd, "QMP socket test");
			CHECK_FALSE(vport::detach_device(q, "vs0", 200ms));
			::shutdown(q.fd(), SHUT_WR);
		});
}
