// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Where libvport reads the kernel's device model from.
#pragma once

#include <filesystem>

namespace vport {

/// The root of a sysfs tree: "/sys" on a live system, a fixture folder in
/// tests. Every function that reads sysfs takes one, so nothing in the
/// library hard-codes "/sys".
class SysfsRoot {
public:
	/// @param root the folder that plays /sys (default "/sys").
	explicit SysfsRoot(std::filesystem::path root = "/sys") : root_(std::move(root)) {}

	/// The root folder.
	const std::filesystem::path &path() const noexcept { return root_; }

	/// A path below the root, e.g. `sys / "class/fc_host"`.
	std::filesystem::path operator/(const std::filesystem::path &rel) const { return root_ / rel; }

private:
	std::filesystem::path root_;
};

} // namespace vport
