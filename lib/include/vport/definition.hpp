// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Persistent vport definitions: a named WWPN/WWNN pair and how to pick its
/// parent, kept across reboots (libvirt's "persistent vHBA").
///
/// Each definition is one JSON file NAME.json in a state folder (default
/// /etc/vhost-vport/vports, or $VPORT_STATE_DIR), readable and editable by
/// hand:
///
///     {
///       "name": "db1-a",
///       "wwpn": "21:00:00:1b:32:00:00:01",
///       "wwnn": "20:00:00:1b:32:00:00:01",
///       "parent": { "wwpn": "20:00:00:1b:32:a9:00:04" },
///       "login_timeout_ms": 30000
///     }
///
/// "parent" is {"wwpn": ...}, {"fabric": ...} or {"any": true}: never a SCSI
/// host name, which changes across reboots. login_timeout_ms is optional.
/// Names are 1-64 characters of letters, digits, '.', '_', '-', not starting
/// with '.' or '-'.
///
/// Writes are atomic (temporary file in the same folder, fsync, rename), so
/// a reader sees the old or the new file, never half of one. A file that
/// does not parse is reported with its path and never overwritten by a
/// `define` without `replace`.
#pragma once

#include "vport/vport.hpp"
#include "vport/wwn.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vport {

/// One persistent vport.
struct Definition {
	std::string name;
	Wwn wwpn = Wwn::unchecked(0);
	Wwn wwnn = Wwn::unchecked(0);
	/// By::any, By::wwpn or By::fabric (By::name is refused).
	ParentSpec parent;
	std::optional<std::uint32_t> login_timeout_ms;

	/// The CreateRequest that makes this vport.
	CreateRequest request() const;

	friend bool operator==(const Definition &, const Definition &) = default;
};

/// Why @p name is not a valid definition name, or nothing.
std::optional<std::string> definition_name_problem(std::string_view name);

/// The definition as the JSON text of its file (ends with a newline).
std::string definition_to_json(const Definition &d);

/// A definition from the JSON text of its file; @p origin (the path) names
/// it in errors. @throws DefinitionError
Definition definition_from_json(std::string_view text, const std::string &origin);

/// The default state folder: $VPORT_STATE_DIR if set and not empty, else
/// /etc/vhost-vport/vports.
std::filesystem::path default_state_dir();

/// One file of the state folder, read.
struct DefinitionEntry {
	std::filesystem::path file;
	std::optional<Definition> definition; ///< set when the file is good
	std::string error;                    ///< why not, otherwise
};

/// The definitions in one state folder.
class DefinitionStore {
public:
	explicit DefinitionStore(std::filesystem::path dir = default_state_dir()) : dir_(std::move(dir)) {}

	const std::filesystem::path &dir() const noexcept { return dir_; }
	/// The file of definition @p name. @throws DefinitionError for a bad name
	std::filesystem::path file_of(std::string_view name) const;

	/// Every *.json file, by name; bad files come back with their error.
	/// A missing folder is empty. @throws SystemError if it cannot be read.
	std::vector<DefinitionEntry> scan() const;

	/// One definition. @throws NotFoundError when not defined,
	/// DefinitionError when its file is corrupt.
	Definition get(std::string_view name) const;

	/// Writes @p d atomically, creating the folder (0755) if needed.
	/// @throws DefinitionError when it exists and !replace, or @p d is
	///         invalid (bad name, NAA rules, a parent by host name);
	///         SystemError when writing fails (nothing is changed then).
	void put(const Definition &d, bool replace = false) const;

	/// Deletes a definition. @throws NotFoundError when not defined.
	void remove(std::string_view name) const;

private:
	std::filesystem::path dir_;
};

} // namespace vport
