// SPDX-License-Identifier: GPL-2.0-or-later
// A temporary folder for one test, removed at the end.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

struct TempDir {
	std::filesystem::path path;
	TempDir()
	{
		std::string t = (std::filesystem::temp_directory_path() / "vport-unit.XXXXXX").string();
		if (!::mkdtemp(t.data()))
			throw std::runtime_error("mkdtemp failed");
		path = t;
	}
	~TempDir()
	{
		std::error_code ec;
		std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
		std::filesystem::remove_all(path, ec);
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
};

inline void write_file(const std::filesystem::path &p, const std::string &text)
{
	std::filesystem::create_directories(p.parent_path());
	std::ofstream(p, std::ios::binary) << text;
}

inline std::string read_file(const std::filesystem::path &p)
{
	std::ifstream in(p, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
