// SPDX-License-Identifier: LGPL-2.1-or-later
// Small helpers for reading sysfs attributes (internal to libvport).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vport::detail {

/// Contents of an attribute file without the trailing newline, or nothing
/// when it is missing, unreadable or empty.
std::optional<std::string> read_attr(const std::filesystem::path &file);

/// An unsigned number in decimal, or in hex with 0x; nothing if absent or malformed.
std::optional<std::uint64_t> read_u64(const std::filesystem::path &file);

/// Parses "123" or "0x7b" (1-16 hex digits); nothing if malformed.
std::optional<std::uint64_t> parse_u64(std::string_view text);

/// The last path component a symlink points to ("qla2xxx" for
/// .../drivers/qla2xxx), or nothing if @p link is not a symlink.
std::optional<std::string> link_basename(const std::filesystem::path &link);

/// Entries of a folder, by name; empty if it does not exist.
/// @throws SystemError if it exists but cannot be read.
std::vector<std::string> list_dir(const std::filesystem::path &dir);

/// The number after @p prefix in a name like "host12"; nothing if the name
/// is not exactly the prefix and decimal digits.
std::optional<unsigned> number_after(std::string_view name, std::string_view prefix);

/// Orders names like "host2" < "host10" (numbers compared as numbers).
bool natural_less(std::string_view a, std::string_view b);

} // namespace vport::detail
