// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sysfs_util.hpp"

#include "vport/error.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace fs = std::filesystem;

namespace vport::detail {

std::optional<std::string> read_attr(const fs::path &file)
{
	std::ifstream in(file, std::ios::binary);
	if (!in)
		return std::nullopt;
	std::ostringstream ss;
	ss << in.rdbuf();
	if (in.bad())
		return std::nullopt;
	std::string s = ss.str();
	while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0' || s.back() == '\t'))
		s.pop_back();
	if (s.empty())
		return std::nullopt;
	return s;
}

std::optional<std::uint64_t> parse_u64(std::string_view t)
{
	int base = 10;
	if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		base = 16;
		t.remove_prefix(2);
		if (t.size() > 16)
			return std::nullopt;
	}
	if (t.empty() || t.size() > 20)
		return std::nullopt;
	std::uint64_t v = 0;
	for (char c : t) {
		unsigned d;
		if (c >= '0' && c <= '9')
			d = static_cast<unsigned>(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = static_cast<unsigned>(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = static_cast<unsigned>(c - 'A' + 10);
		else
			return std::nullopt;
		if (base == 10 && v > (UINT64_MAX - d) / 10)
			return std::nullopt;
		v = v * static_cast<unsigned>(base) + d;
	}
	return v;
}

std::optional<std::uint64_t> read_u64(const fs::path &file)
{
	auto s = read_attr(file);
	if (!s)
		return std::nullopt;
	return parse_u64(*s);
}

std::optional<std::string> link_basename(const fs::path &link)
{
	std::error_code ec;
	fs::path target = fs::read_symlink(link, ec);
	if (ec)
		return std::nullopt;
	std::string name = target.filename().string();
	if (name.empty())
		return std::nullopt;
	return name;
}

std::vector<std::string> list_dir(const fs::path &dir)
{
	std::vector<std::string> names;
	std::error_code ec;
	fs::directory_iterator it(dir, ec);
	if (ec) {
		if (ec == std::errc::no_such_file_or_directory)
			return names;
		throw SystemError(dir.string() + ": " + ec.message());
	}
	for (; it != fs::directory_iterator(); it.increment(ec)) {
		if (ec)
			throw SystemError(dir.string() + ": " + ec.message());
		names.push_back(it->path().filename().string());
	}
	if (ec)
		throw SystemError(dir.string() + ": " + ec.message());
	std::sort(names.begin(), names.end(), [](const std::string &a, const std::string &b) {
		return natural_less(a, b);
	});
	return names;
}

std::optional<unsigned> number_after(std::string_view name, std::string_view prefix)
{
	if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix)
		return std::nullopt;
	name.remove_prefix(prefix.size());
	if (name.size() > 9)
		return std::nullopt;
	unsigned v = 0;
	for (char c : name) {
		if (c < '0' || c > '9')
			return std::nullopt;
		v = v * 10 + static_cast<unsigned>(c - '0');
	}
	return v;
}

bool natural_less(std::string_view a, std::string_view b)
{
	std::size_t i = 0, j = 0;
	while (i < a.size() && j < b.size()) {
		bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
		bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
		if (da && db) {
			std::size_t i2 = i, j2 = j;
			while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2])))
				i2++;
			while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2])))
				j2++;
			std::string_view na = a.substr(i, i2 - i), nb = b.substr(j, j2 - j);
			while (na.size() > 1 && na.front() == '0')
				na.remove_prefix(1);
			while (nb.size() > 1 && nb.front() == '0')
				nb.remove_prefix(1);
			if (na.size() != nb.size())
				return na.size() < nb.size();
			if (na != nb)
				return na < nb;
			i = i2;
			j = j2;
		} else {
			if (a[i] != b[j])
				return a[i] < b[j];
			i++;
			j++;
		}
	}
	return a.size() - i < b.size() - j;
}

} // namespace vport::detail
