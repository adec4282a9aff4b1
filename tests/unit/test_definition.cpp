// SPDX-License-Identifier: GPL-2.0-or-later
// Persistent definitions: round trip, names, corrupt files, atomic writes.
#include "tmpdir.hpp"

#include <catch2/catch.hpp>

#include <vport/definition.hpp>
#include <vport/error.hpp>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <sys/stat.h>
#include <unistd.h>

using vport::Definition;
using vport::DefinitionStore;
using vport::ParentSpec;
using vport::Wwn;

namespace {

Definition sample(std::string name = "db1-a")
{
	Definition d;
	d.name = std::move(name);
	d.wwpn = Wwn::parse("21:00:00:1b:32:00:00:01");
	d.wwnn = Wwn::parse("20:00:00:1b:32:00:00:01");
	d.parent = ParentSpec::by_wwpn(Wwn::parse("21:00:00:1b:32:a9:00:04"));
	return d;
}

std::string error_of(const std::function<void()> &fn)
{
	try {
		fn();
	} catch (const vport::Error &e) {
		return e.what();
	}
	return "(no error)";
}

std::vector<std::string> files_in(const std::filesystem::path &dir)
{
	std::vector<std::string> f;
	for (const auto &e : std::filesystem::directory_iterator(dir))
		f.push_back(e.path().filename().string());
	std::sort(f.begin(), f.end());
	return f;
}

} // namespace

TEST_CASE("Definitions round-trip through their files", "[definition]")
{
	TempDir t;
	DefinitionStore store(t.path / "vports");
	auto a = sample("db1-a");
	auto b = sample("db1.b_2");
	b.wwpn = Wwn::parse("0x2100001b32000002");
	b.parent = ParentSpec::by_fabric(Wwn::parse("10:00:00:05:1e:00:00:01"));
	b.login_timeout_ms = 5000;
	auto c = sample("any");
	c.wwpn = Wwn::parse("naa.2100001b32000003");
	c.parent = ParentSpec::any();
	store.put(a);
	store.put(b);
	store.put(c);
	CHECK(store.get("db1-a") == a);
	CHECK(store.get("db1.b_2") == b);
	CHECK(store.get("any") == c);
	CHECK(files_in(store.dir()) == std::vector<std::string>{"any.json", "db1-a.json", "db1.b_2.json"});
	auto all = store.scan();
	REQUIRE(all.size() == 3);
	for (const auto &e : all)
		CHECK(e.definition);
	// Readable: the file is the documented JSON.
	std::string text = read_file(store.dir() / "db1.b_2.json");
	CHECK(text.find("\"fabric\": \"10:00:00:05:1e:00:00:01\"") != std::string::npos);
	CHECK(text.find("\"login_timeout_ms\": 5000") != std::string::npos);
	// The CreateRequest it stands for.
	auto r = b.request();
	CHECK(r.wwpn == b.wwpn);
	CHECK(r.parent == b.parent);
	CHECK(r.login_timeout_ms == 5000);

	store.remove("db1-a");
	CHECK_THROWS_AS(store.get("db1-a"), vport::NotFoundError);
	CHECK_THROWS_AS(store.remove("db1-a"), vport::NotFoundError);
	CHECK(error_of([&] { store.get("nope"); }).find("definition nope: not defined") == 0);
}

TEST_CASE("A missing state folder is empty", "[definition]")
{
	TempDir t;
	DefinitionStore store(t.path / "none");
	CHECK(store.scan().empty());
}

TEST_CASE("The state folder comes from VPORT_STATE_DIR", "[definition]")
{
	::setenv("VPORT_STATE_DIR", "/tmp/somewhere", 1);
	CHECK(vport::default_state_dir() == "/tmp/somewhere");
	::unsetenv("VPORT_STATE_DIR");
	CHECK(vport::default_state_dir() == "/etc/vhost-vport/vports");
}

TEST_CASE("Definition names are checked", "[definition]")
{
	TempDir t;
	DefinitionStore store(t.path);
	auto bad = GENERATE(as<std::string>{}, "", ".hidden", "-opt", "a/b", "..", "a b", "x\n", "ü",
			    std::string(65, 'a'));
	CAPTURE(bad);
	CHECK(vport::definition_name_problem(bad));
	CHECK_THROWS_AS(store.put(sample(bad)), vport::DefinitionError);
	CHECK_THROWS_AS(store.get(bad), vport::DefinitionError);
	CHECK_THROWS_AS(store.remove(bad), vport::DefinitionError);
	CHECK(files_in(t.path).empty());
	CHECK_FALSE(vport::definition_name_problem(std::string(64, 'a')));
}

TEST_CASE("Invalid definitions are refused before anything is written", "[definition]")
{
	TempDir t;
	DefinitionStore store(t.path);
	auto d = sample();
	d.parent = ParentSpec::by_name("host5");
	CHECK_THAT(error_of([&] { store.put(d); }), Catch::Contains("changes across reboots"));
	d = sample();
	d.wwnn = d.wwpn;
	CHECK_THAT(error_of([&] { store.put(d); }), Catch::Contains("WWPN and WWNN are the same"));
	d = sample();
	d.wwpn = Wwn::unchecked(0x6000000000000001);
	CHECK_THAT(error_of([&] { store.put(d); }), Catch::Contains("WWPN 60:00"));
	CHECK(files_in(t.path).empty());
}

TEST_CASE("Defining an existing name fails unless replacing, and keeps the old file", "[definition]")
{
	TempDir t;
	DefinitionStore store(t.path);
	store.put(sample());
	std::string before = read_file(t.path / "db1-a.json");
	auto d2 = sample();
	d2.parent = ParentSpec::any();
	CHECK_THAT(error_of([&] { store.put(d2); }), Catch::Contains("already defined"));
	CHECK(read_file(t.path / "db1-a.json") == before);
	store.put(d2, true);
	CHECK(store.get("db1-a") == d2);
	// No temporary files left behind.
	CHECK(files_in(t.path) == std::vector<std::string>{"db1-a.json"});
}

TEST_CASE("A failed write changes nothing", "[definition]")
{
	TempDir t;
	DefinitionStore store(t.path);
	store.put(sample());
	std::string before = read_file(t.path / "db1-a.json");
	// The rename fails (a folder stands where the file goes); a read-only
	// folder would not do, since the tests may run as root.
	auto d2 = sample();
	d2.parent = ParentSpec::any();
	std::filesystem::create_directory(t.path / "blocked.json");
	d2.name = "blocked";
	CHECK_THROWS_AS(store.put(d2, true), vport::SystemError);
	CHECK(std::filesystem::is_directory(t.path / "blocked.json"));
	CHECK(read_file(t.path / "db1-a.json") == before);
	CHECK(files_in(t.path) == std::vector<std::string>{"blocked.json", "db1-a.json"});
}

TEST_CASE("Corrupt files name the file and the cause", "[definition]")
{
	TempDir t;
	DefinitionStore store(t.path);
	store.put(sample("good"));
	struct Case {
		const char *text;
		const char *want;
	};
	auto c = GENERATE(values<Case>({
		{"{broken", "not valid JSON"},
		{"[]", "not a JSON object"},
		{R"({"name":"bad","wwnn":"20:00:00:1b:32:00:00:01","parent":{"any":true}})", "no \"wwpn\""},
		{R"({"name":"bad","wwpn":"21:00:00:1b:32:00:00:0","wwnn":"20:00:00:1b:32:00:00:01","parent":{"any":true}})",
		 "\"wwpn\": WWN"},
		{R"({"name":"bad","wwpn":"21:00:00:1b:32:00:00:02","wwnn":"20:00:00:1b:32:00:00:01","parent":{"name":"host5"}})",
		 "changes across reboots"},
		{R"({"name":"bad","wwpn":"21:00:00:1b:32:00:00:02","wwnn":"20:00:00:1b:32:00:00:01"})", "\"parent\" must be"},
		{R"({"name":"other","wwpn":"21:00:00:1b:32:00:00:02","wwnn":"20:00:00:1b:32:00:00:01","parent":{"any":true}})",
		 "file is named for 'bad'"},
		{R"({"name":"bad","wwpn":"21:00:00:1b:32:00:00:02","wwnn":"20:00:00:1b:32:00:00:01","parent":{"any":true},"login_timeout_ms":-1})",
		 "login_timeout_ms"},
		{R"({"name":"bad","wwpn":"21:00:00:1b:32:00:00:02","wwnn":"20:00:00:1b:32:00:00:01","parent":{"any":true},"colour":1})",
		 "unknown key \"colour\""},
	}));
	CAPTURE(c.text);
	write_file(t.path / "bad.json", c.text);
	std::string e = error_of([&] { store.get("bad"); });
	CHECK_THAT(e, Catch::StartsWith((t.path / "bad.json").string() + ": "));
	CHECK_THAT(e, Catch::Contains(c.want));
	// scan() reports it and still lists the good one; the file is untouched.
	auto all = store.scan();
	REQUIRE(all.size() == 2);
	CHECK_FALSE(all[0].definition);
	CHECK_THAT(all[0].error, Catch::Contains(c.want));
	CHECK(all[1].definition);
	CHECK(read_file(t.path / "bad.json") == c.text);
	// define without replacing refuses to overwrite it.
	CHECK_THROWS_AS(store.put(sample("bad")), vport::DefinitionError);
	CHECK(read_file(t.path / "bad.json") == c.text);
}
