// SPDX-License-Identifier: GPL-2.0-or-later
// Persistent-reservation parameter data and the migration checks that need
// no device: READ FULL STATUS parsing, the PR OUT parameter list, comparing
// what A and B see, the migration source file, and commit/abort refusing
// against a fake QEMU before they touch anything.
#include <vport/error.hpp>
#include <vport/migrate.hpp>
#include <vport/pr.hpp>

#include "tmpdir.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

using namespace vport;

namespace {

// One READ FULL STATUS descriptor with an FC TransportID.
void add_fc(std::vector<std::uint8_t> &d, std::uint64_t key, std::uint64_t wwpn, bool holder, std::uint8_t type)
{
	for (int i = 7; i >= 0; i--)
		d.push_back(static_cast<std::uint8_t>(key >> (8 * i)));
	d.insert(d.end(), {0, 0, 0, 0});
	d.push_back(holder ? 1 : 0);
	d.push_back(holder ? type : 0);
	d.insert(d.end(), {0, 0, 0, 0, 0, 1}); // reserved, relative target port 1
	d.insert(d.end(), {0, 0, 0, 24});      // TransportID length
	std::vector<std::uint8_t> tid(24, 0);
	for (int i = 0; i < 8; i++)
		tid[8 + i] = static_cast<std::uint8_t>(wwpn >> (56 - 8 * i));
	d.insert(d.end(), tid.begin(), tid.end());
}

std::vector<std::uint8_t> full_status(std::uint32_t gen, const std::vector<std::uint8_t> &descs)
{
	std::vector<std::uint8_t> d = {0, 0, 0, static_cast<std::uint8_t>(gen), 0, 0,
				       static_cast<std::uint8_t>(descs.size() >> 8),
				       static_cast<std::uint8_t>(descs.size() & 0xff)};
	for (auto c : descs) // (insert() trips GCC 12's -Warray-bounds here)
		d.push_back(c);
	return d;
}

ProbedLun lun(std::uint64_t target, std::uint64_t n, std::vector<Designator> ids)
{
	ProbedLun l;
	l.target = Wwn::unchecked(target);
	l.lun = n;
	l.designators = std::move(ids);
	return l;
}

} // namespace

TEST_CASE("READ FULL STATUS: registrations, holder, FC initiators", "[pr]")
{
	std::vector<std::uint8_t> descs;
	add_fc(descs, 0xabc123, 0x210000005a000001, true, 1);
	add_fc(descs, 0xabc123, 0x210000005a000002, false, 0);
	auto st = parse_pr_full_status(full_status(7, descs));
	CHECK(st.generation == 7);
	REQUIRE(st.registrations.size() == 2);
	CHECK(st.registrations[0].key == 0xabc123);
	CHECK(st.registrations[0].holder);
	CHECK(st.registrations[0].type == 1);
	CHECK(st.registrations[0].relative_target_port == 1);
	REQUIRE(st.registrations[0].initiator);
	CHECK(st.registrations[0].initiator->value() == 0x210000005a000001);
	REQUIRE(st.holder() == &st.registrations[0]);
	CHECK(st.of(Wwn::unchecked(0x210000005a000002)).size() == 1);
	CHECK(st.of(Wwn::unchecked(0x210000005a000003)).empty());
	CHECK(pr_type_name(1) == "write-exclusive");
	CHECK(pr_type_name(8) == "exclusive-access-all-registrants");
	CHECK(pr_type_name(2) == "type-2");
}

TEST_CASE("READ FULL STATUS: empty, cut off by the buffer, malformed", "[pr]")
{
	CHECK(parse_pr_full_status(full_status(1, {})).registrations.empty());
	CHECK_THROWS_AS(parse_pr_full_status(std::vector<std::uint8_t>{0, 0, 0}), PrError);

	std::vector<std::uint8_t> descs;
	add_fc(descs, 1, 0x210000005a000001, false, 0);
	add_fc(descs, 2, 0x210000005a000002, false, 0);
	auto all = full_status(3, descs);
	// The device had more than the allocation length let through.
	auto cut = std::vector<std::uint8_t>(all.begin(), all.end() - 10);
	auto st = parse_pr_full_status(cut);
	REQUIRE(st.registrations.size() == 1);
	CHECK(st.registrations[0].key == 1);

	// A descriptor whose TransportID runs past the data the device said it sent.
	auto bad = all;
	bad[8 + 20 + 3] = 200;
	CHECK_THROWS_AS(parse_pr_full_status(bad), PrError);
	// A non-FC TransportID (iSCSI, protocol 5) has no initiator WWPN.
	auto iscsi = all;
	iscsi[8 + 24] = 5;
	auto st2 = parse_pr_full_status(iscsi);
	CHECK_FALSE(st2.registrations[0].initiator);
	CHECK(st2.registrations[1].initiator);
}

TEST_CASE("PERSISTENT RESERVE OUT parameter list", "[pr]")
{
	auto p = pr_out_parameters(0x0102030405060708, 0xabc123);
	CHECK(p[0] == 1);
	CHECK(p[7] == 8);
	CHECK(p[13] == 0xab);
	CHECK(p[15] == 0x23);
	CHECK(p[20] == 0); // no APTPL, no ALL_TG_PT
}

TEST_CASE("compare_luns: B must see exactly A's LUNs with A's identities", "[migrate]")
{
	const std::uint64_t t = 0x2000525600020000;
	std::vector<ProbedLun> a = {lun(t, 0, {{"naa", "6001405a"}, {"t10", "LIO lun0"}}), lun(t, 1, {{"naa", "6001405b"}})};
	SECTION("same LUNs, designators in another order")
	{
		std::vector<ProbedLun> b = {lun(t, 0, {{"t10", "LIO lun0"}, {"naa", "6001405a"}}), lun(t, 1, {{"naa", "6001405b"}})};
		CHECK(compare_luns(a, b).empty());
	}
	SECTION("a LUN missing, another extra, one with another identity")
	{
		std::vector<ProbedLun> b = {lun(t, 0, {{"naa", "6001405f"}}), lun(t, 2, {{"naa", "6001405c"}})};
		auto d = compare_luns(a, b);
		REQUIRE(d.size() == 3);
		CHECK(d[0].find("LUN 0: identity differs") != std::string::npos);
		CHECK(d[1].find("LUN 1: A sees it, B does not") != std::string::npos);
		CHECK(d[2].find("LUN 2: B sees it, A does not") != std::string::npos);
	}
	SECTION("A's identity unknown is a difference, not a pass")
	{
		auto a2 = a;
		a2[1].designators.clear();
		a2[1].error = "INQUIRY: SG_IO: Input/output error";
		auto d = compare_luns(a2, a);
		REQUIRE(d.size() == 1);
		CHECK(d[0].find("identity is unknown (INQUIRY") != std::string::npos);
	}
	SECTION("same identity, other capacity")
	{
		auto a2 = a, b = a;
		a2[0].blocks = 100;
		a2[0].block_size = b[0].block_size = 512;
		b[0].blocks = 200;
		auto d = compare_luns(a2, b);
		REQUIRE(d.size() == 1);
		CHECK(d[0].find("capacity differs") != std::string::npos);
	}
}

TEST_CASE("migration source: JSON round trip and bad files", "[migrate]")
{
	MigrationSource s;
	s.wwpn = Wwn::parse_any("21:00:00:00:5a:00:00:01");
	s.wwnn = Wwn::parse_any("20:00:00:00:5a:00:00:01");
	s.targets = {{Wwn::parse_any("20:00:52:56:00:02:00:00"), 0}, {Wwn::parse_any("20:00:52:56:00:02:00:01"), 3}};
	s.luns = {lun(0x2000525600020000, 0, {{"naa", "6001405a"}, {"t10", "LIO-ORG x:y"}})};
	s.luns[0].blocks = 32768;
	s.luns[0].block_size = 512;
	auto back = migration_source_from_json(to_json(s));
	CHECK(back.wwpn.value() == s.wwpn.value());
	CHECK(back.targets == s.targets);
	REQUIRE(back.luns.size() == 1);
	CHECK(back.luns[0].designators == s.luns[0].designators);
	CHECK(back.luns[0].blocks == 32768);
	CHECK(compare_luns(s.luns, back.luns).empty());

	auto j = to_json(s);
	j.erase("wwnn");
	CHECK_THROWS_WITH(migration_source_from_json(j), Catch::Contains("wwnn"));
	j = to_json(s);
	j["targets"][1]["wwpn"] = "zz";
	CHECK_THROWS_WITH(migration_source_from_json(j), Catch::Contains("targets[1].wwpn"));
	j = to_json(s);
	j["luns"][0]["ids"][0] = "naa";
	CHECK_THROWS_WITH(migration_source_from_json(j), Catch::Contains("TYPE:VALUE"));
	j = to_json(s);
	j["targets"][0]["id"] = 70000;
	CHECK_THROWS_AS(migration_source_from_json(j), MigrationError);
	CHECK_THROWS_AS(migration_source_from_json(nlohmann::json::array()), MigrationError);
}

// A QEMU on a unix socket that answers each command from a table and
// records what it was asked (one connection).
namespace {

class FakeQemu {
public:
	FakeQemu(std::string path, std::map<std::string, nlohmann::json> answers)
		: path_(std::move(path)), answers_(std::move(answers))
	{
		listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_un a{};
		a.sun_family = AF_UNIX;
		std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path_.c_str());
		REQUIRE(::bind(listen_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0);
		REQUIRE(::listen(listen_, 1) == 0);
		thread_ = std::thread([this] { serve(); });
	}
	~FakeQemu()
	{
		::shutdown(listen_, SHUT_RDWR);
		thread_.join();
		::close(listen_);
	}
	std::vector<std::string> asked()
	{
		std::lock_guard<std::mutex> l(mu_);
		return asked_;
	}

private:
	void serve()
	{
		int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		auto say = [fd](const std::string &s) { return ::write(fd, (s + "\n").data(), s.size() + 1) > 0; };
		say(R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}})");
		std::string buf;
		char data[1024];
		for (;;) {
			auto nl = buf.find('\n');
			if (nl == std::string::npos) {
				ssize_t n = ::read(fd, data, sizeof(data));
				if (n <= 0)
					break;
				buf.append(data, static_cast<std::size_t>(n));
				continue;
			}
			auto cmd = nlohmann::json::parse(buf.substr(0, nl))["execute"].get<std::string>();
			buf.erase(0, nl + 1);
			{
				std::lock_guard<std::mutex> l(mu_);
				asked_.push_back(cmd);
			}
			auto it = answers_.find(cmd);
			nlohmann::json ret = it == answers_.end() ? nlohmann::json::object() : it->second;
			if (!say(nlohmann::json{{"return", ret}}.dump()))
				break;
		}
		::close(fd);
	}
	std::string path_;
	std::map<std::string, nlohmann::json> answers_;
	int listen_ = -1;
	std::thread thread_;
	std::mutex mu_;
	std::vector<std::string> asked_;
};

} // namespace

TEST_CASE("migrate commit: an incomplete migration changes nothing", "[migrate]")
{
	TempDir dir;
	std::string sock = (dir.path / "src.qmp").string();
	FakeQemu src(sock, {{"query-migrate", {{"status", "active"}}}});
	CommitOptions o;
	o.from = Wwn::parse_any("21:00:00:00:5a:00:00:01");
	o.to = Wwn::parse_any("21:00:00:00:5a:00:00:02");
	o.source_qmp = sock;
	o.timeout = std::chrono::milliseconds(5000);
	CHECK_THROWS_WITH(commit_migration(o), Catch::Contains("migration is 'active', not 'completed'; nothing changed"));
	// Asked, and nothing else: no cont, no quit.
	for (int i = 0; i < 50 && src.asked().size() < 2; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	CHECK(src.asked() == std::vector<std::string>{"qmp_capabilities", "query-migrate"});
}

TEST_CASE("migrate abort: a destination that runs the VM is not stopped", "[migrate]")
{
	TempDir dir;
	std::string sock = (dir.path / "dst.qmp").string();
	FakeQemu dst(sock, {{"query-status", {{"status", "running"}, {"running", true}}}});
	AbortOptions o;
	o.from = Wwn::parse_any("21:00:00:00:5a:00:00:01");
	o.to = Wwn::parse_any("21:00:00:00:5a:00:00:02");
	o.dest_qmp = sock;
	o.timeout = std::chrono::milliseconds(5000);
	CHECK_THROWS_WITH(abort_migration(o), Catch::Contains("is running the VM"));
	for (int i = 0; i < 50 && dst.asked().size() < 2; i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	CHECK(dst.asked() == std::vector<std::string>{"qmp_capabilities", "query-status"});
}

TEST_CASE("migrate prepare --qmp: only a QEMU waiting for a migration", "[migrate]")
{
	TempDir dir;
	std::string sock = (dir.path / "dst.qmp").string();
	for (const char *status : {"running", "prelaunch", "paused", "postmigrate"}) {
		FakeQemu dst(sock, {{"query-status", {{"status", status}, {"running", false}}}});
		auto qmp = vport::QmpClient::connect(sock, std::chrono::milliseconds(5000));
		CHECK_THROWS_WITH(require_incoming(qmp, sock),
				  Catch::Contains(std::string("is '") + status + "', not waiting for an incoming migration") &&
					  Catch::Contains("Nothing changed"));
		::unlink(sock.c_str());
	}
	FakeQemu dst(sock, {{"query-status", {{"status", "inmigrate"}, {"running", false}}}});
	auto qmp = vport::QmpClient::connect(sock, std::chrono::milliseconds(5000));
	CHECK_NOTHROW(require_incoming(qmp, sock));
}
