// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/definition.hpp"

#include "sysfs_util.hpp"
#include "vport/error.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace vport {

namespace {

constexpr std::size_t max_name = 64;

bool name_char(char c) noexcept
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

void validate(const Definition &d)
{
	if (auto why = definition_name_problem(d.name))
		throw DefinitionError("definition '" + d.name + "': " + *why);
	auto check = [&](const char *what, Wwn w) {
		if (auto why = w.problem())
			throw DefinitionError("definition " + d.name + ": " + what + " " + w.colon() + ": " + *why);
	};
	check("WWPN", d.wwpn);
	check("WWNN", d.wwnn);
	if (d.wwpn == d.wwnn)
		throw DefinitionError("definition " + d.name + ": WWPN and WWNN are the same (" + d.wwpn.colon() + ")");
	if (d.parent.by == ParentSpec::By::name)
		throw DefinitionError("definition " + d.name + ": a parent by SCSI host name (" + d.parent.name +
				      ") changes across reboots; name it by WWPN or fabric");
	if (d.parent.by == ParentSpec::By::wwpn || d.parent.by == ParentSpec::By::fabric)
		check(d.parent.by == ParentSpec::By::wwpn ? "parent WWPN" : "fabric name", d.parent.wwn);
}

std::string errno_text(int err)
{
	return std::strerror(err);
}

} // namespace

CreateRequest Definition::request() const
{
	CreateRequest r;
	r.wwpn = wwpn;
	r.wwnn = wwnn;
	r.parent = parent;
	r.login_timeout_ms = login_timeout_ms.value_or(0);
	return r;
}

std::optional<std::string> definition_name_problem(std::string_view name)
{
	if (name.empty())
		return "a definition name cannot be empty";
	if (name.size() > max_name)
		return "a definition name has at most " + std::to_string(max_name) + " characters";
	if (name.front() == '.' || name.front() == '-')
		return "a definition name cannot start with '.' or '-'";
	for (char c : name)
		if (!name_char(c))
			return std::string("'") + c + "' is not allowed in a definition name (letters, digits, '.', '_', '-')";
	return std::nullopt;
}

std::string definition_to_json(const Definition &d)
{
	Json j;
	j["name"] = d.name;
	j["wwpn"] = d.wwpn.colon();
	j["wwnn"] = d.wwnn.colon();
	Json p = Json::object();
	switch (d.parent.by) {
	case ParentSpec::By::any: p["any"] = true; break;
	case ParentSpec::By::wwpn: p["wwpn"] = d.parent.wwn.colon(); break;
	case ParentSpec::By::fabric: p["fabric"] = d.parent.wwn.colon(); break;
	case ParentSpec::By::name: p["name"] = d.parent.name; break;
	}
	j["parent"] = p;
	if (d.login_timeout_ms)
		j["login_timeout_ms"] = *d.login_timeout_ms;
	return j.dump(2) + "\n";
}

Definition definition_from_json(std::string_view text, const std::string &origin)
{
	auto bad = [&](const std::string &why) { return DefinitionError(origin + ": " + why); };
	Json j;
	try {
		j = Json::parse(text.begin(), text.end());
	} catch (const Json::parse_error &e) {
		throw bad(std::string("not valid JSON (") + e.what() + ")");
	}
	if (!j.is_object())
		throw bad("not a JSON object");
	auto str = [&](const Json &o, const char *key, const char *where) -> std::string {
		auto it = o.find(key);
		if (it == o.end())
			throw bad(std::string("no \"") + key + "\"" + where);
		if (!it->is_string())
			throw bad(std::string("\"") + key + "\"" + where + " is not a string");
		return it->get<std::string>();
	};
	auto wwn = [&](const Json &o, const char *key, const char *where) {
		std::string s = str(o, key, where);
		try {
			return Wwn::parse(s);
		} catch (const WwnError &e) {
			throw bad(std::string("\"") + key + "\"" + where + ": " + e.what());
		}
	};
	for (const auto &[k, v] : j.items())
		if (k != "name" && k != "wwpn" && k != "wwnn" && k != "parent" && k != "login_timeout_ms")
			throw bad("unknown key \"" + k + "\"");
	Definition d;
	d.name = str(j, "name", "");
	d.wwpn = wwn(j, "wwpn", "");
	d.wwnn = wwn(j, "wwnn", "");
	auto p = j.find("parent");
	if (p == j.end() || !p->is_object() || p->size() != 1)
		throw bad("\"parent\" must be an object with one of \"wwpn\", \"fabric\" or \"any\"");
	if (p->contains("wwpn"))
		d.parent = ParentSpec::by_wwpn(wwn(*p, "wwpn", " of \"parent\""));
	else if (p->contains("fabric"))
		d.parent = ParentSpec::by_fabric(wwn(*p, "fabric", " of \"parent\""));
	else if (p->contains("any") && p->at("any") == true)
		d.parent = ParentSpec::any();
	else if (p->contains("name"))
		throw bad("\"parent\" names a SCSI host, which changes across reboots; use \"wwpn\" or \"fabric\"");
	else
		throw bad("\"parent\" must be an object with one of \"wwpn\", \"fabric\" or \"any\": true");
	if (auto t = j.find("login_timeout_ms"); t != j.end()) {
		if (!t->is_number_unsigned() || t->get<std::uint64_t>() > UINT32_MAX)
			throw bad("\"login_timeout_ms\" is not a number of milliseconds");
		d.login_timeout_ms = t->get<std::uint32_t>();
	}
	try {
		validate(d);
	} catch (const DefinitionError &e) {
		throw bad(e.what());
	}
	return d;
}

fs::path default_state_dir()
{
	const char *env = std::getenv("VPORT_STATE_DIR");
	if (env && *env)
		return env;
	return "/etc/vhost-vport/vports";
}

fs::path DefinitionStore::file_of(std::string_view name) const
{
	if (auto why = definition_name_problem(name))
		throw DefinitionError("definition '" + std::string(name) + "': " + *why);
	return dir_ / (std::string(name) + ".json");
}

std::vector<DefinitionEntry> DefinitionStore::scan() const
{
	std::vector<DefinitionEntry> out;
	for (const auto &f : detail::list_dir(dir_)) {
		if (f.size() <= 5 || f.compare(f.size() - 5, 5, ".json") != 0 || f.front() == '.')
			continue;
		DefinitionEntry e;
		e.file = dir_ / f;
		try {
			std::string name = f.substr(0, f.size() - 5);
			Definition d = get(name);
			e.definition = std::move(d);
		} catch (const Error &err) {
			e.error = err.what();
		}
		out.push_back(std::move(e));
	}
	return out;
}

Definition DefinitionStore::get(std::string_view name) const
{
	fs::path file = file_of(name);
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		int err = errno;
		if (err == ENOENT)
			throw NotFoundError("definition " + std::string(name) + ": not defined (no " + file.string() + ")");
		throw SystemError(file.string() + ": " + errno_text(err), err);
	}
	std::ostringstream ss;
	ss << in.rdbuf();
	if (in.bad())
		throw SystemError(file.string() + ": read error", EIO);
	Definition d = definition_from_json(ss.str(), file.string());
	if (d.name != name)
		throw DefinitionError(file.string() + ": \"name\" is '" + d.name + "', but the file is named for '" +
				      std::string(name) + "'");
	return d;
}

void DefinitionStore::put(const Definition &d, bool replace) const
{
	validate(d);
	fs::path file = file_of(d.name);
	std::error_code ec;
	fs::create_directories(dir_, ec);
	if (ec)
		throw SystemError("state folder " + dir_.string() + ": " + ec.message(), ec.value());
	if (!replace && fs::exists(file, ec))
		throw DefinitionError("definition " + d.name + ": already defined (" + file.string() + ")");

	std::string text = definition_to_json(d);
	std::string tmpl = (dir_ / ("." + d.name + ".json.XXXXXX")).string();
	int fd = ::mkstemp(tmpl.data());
	if (fd < 0) {
		int err = errno;
		throw SystemError("state folder " + dir_.string() + ": cannot create a temporary file: " + errno_text(err),
				  err);
	}
	auto fail = [&](const std::string &what) {
		int err = errno;
		::close(fd);
		::unlink(tmpl.c_str());
		throw SystemError(file.string() + ": " + what + ": " + errno_text(err), err);
	};
	if (::fchmod(fd, 0644) < 0)
		fail("chmod");
	for (std::size_t off = 0; off < text.size();) {
		ssize_t n = ::write(fd, text.data() + off, text.size() - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("write");
		}
		off += static_cast<std::size_t>(n);
	}
	if (::fsync(fd) < 0)
		fail("fsync");
	if (::close(fd) < 0) {
		fd = -1;
		int err = errno;
		::unlink(tmpl.c_str());
		throw SystemError(file.string() + ": close: " + errno_text(err), err);
	}
	int r;
	if (replace)
		r = ::rename(tmpl.c_str(), file.c_str());
	else
		r = ::renameat2(AT_FDCWD, tmpl.c_str(), AT_FDCWD, file.c_str(), RENAME_NOREPLACE);
	if (r < 0) {
		int err = errno;
		::unlink(tmpl.c_str());
		if (err == EEXIST)
			throw DefinitionError("definition " + d.name + ": already defined (" + file.string() + ")");
		throw SystemError(file.string() + ": rename: " + errno_text(err), err);
	}
	// The rename itself is durable once the folder is synced.
	int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		::fsync(dfd);
		::close(dfd);
	}
}

void DefinitionStore::remove(std::string_view name) const
{
	fs::path file = file_of(name);
	if (::unlink(file.c_str()) < 0) {
		int err = errno;
		if (err == ENOENT)
			throw NotFoundError("definition " + std::string(name) + ": not defined (no " + file.string() + ")");
		throw SystemError(file.string() + ": " + errno_text(err), err);
	}
}

} // namespace vport
