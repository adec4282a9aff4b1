// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl's command plumbing: the shared context every command sees, the
// errors that decide the exit status, and the hooks each command group
// (hba, wwn, ...) uses to add itself.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <vport/qmp.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vportctl {

using Json = nlohmann::ordered_json;

// Exit statuses.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;

// A bad command line that the parser could not see (a malformed WWN
// argument...): exit status 2.
class UsageError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

// Global options and the action the parsed command chose.
struct Context {
	bool json = false;             // -j/--json
	bool pretty = false;           // -p/--pretty (indented JSON)
	std::string sysfs_root = "/sys"; // --sysfs-root (hidden, for tests)
	std::string state_dir;         // --state-dir; empty: $VPORT_STATE_DIR or the default
	std::string control_device = "/dev/vhost-vport"; // --control-device (hidden, for tests)
	std::vector<std::string> after_dashdash; // the words after "--" (exec's command)
	bool has_dashdash = false;
	bool takes_command = false;    // the chosen subcommand takes a command after "--"
	std::function<int()> action;   // set by the chosen subcommand's callback
};

// Each command group adds its subcommands to the top-level app.
void add_hba_commands(CLI::App &app, Context &ctx);
void add_wwn_commands(CLI::App &app, Context &ctx);
void add_define_commands(CLI::App &app, Context &ctx);
void add_qemu_commands(CLI::App &app, Context &ctx);
void add_vport_commands(CLI::App &app, Context &ctx);
void add_monitor_commands(CLI::App &app, Context &ctx);
void add_probe_commands(CLI::App &app, Context &ctx);
void add_migrate_commands(CLI::App &app, Context &ctx);

// device_add options for a vport fd: id, fdname "vport-<id>", and --prop
// KEY=VALUE words (not driver, id, vhostfd or wwpn, which vportctl sets).
// Throws UsageError. (attach, migrate prepare --qmp)
vport::AttachOptions attach_options(const std::string &id, const std::vector<std::string> &props);

// The kernel's vports (vport list), also reached as `list`.
int vport_list(const Context &ctx);

} // namespace vportctl
