// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl: manage NPIV Fibre Channel vports for virtual machines.
//
// Exit status: 0 ok, 1 failed, 2 usage error. Errors go to stderr as
// "vportctl: <object>: <cause>".
#include "cli.hpp"

#include <vport/error.hpp>
#include <vport/version.hpp>

#include <iostream>
#include <string>
#include <vector>

using namespace vportctl;

int main(int argc, char **argv)
{
	Context ctx;
	CLI::App app{"vportctl: manage NPIV Fibre Channel vports as vhost-scsi backends for virtual machines",
		     "vportctl"};
	app.require_subcommand(1);
	app.fallthrough(); // global options work after the subcommand too
	app.add_flag("-j,--json", ctx.json, "Print JSON instead of text");
	app.add_flag("-p,--pretty", ctx.pretty, "Indent JSON output");
	app.add_option("--sysfs-root", ctx.sysfs_root, "Read sysfs from this folder (tests)")->group("");
	app.add_option("--control-device", ctx.control_device, "Create vports through this device (tests)")->group("");
	app.add_option("--state-dir", ctx.state_dir,
		       "Folder of the persistent definitions (default $VPORT_STATE_DIR, else /etc/vhost-vport/vports)");
	app.set_version_flag("-V,--version", std::string("vportctl ") + vport::version());
	app.failure_message([](const CLI::App *, const CLI::Error &e) {
		return std::string(e.what()) + "\nTry 'vportctl --help'.\n";
	});

	add_hba_commands(app, ctx);
	add_wwn_commands(app, ctx);
	add_define_commands(app, ctx);
	add_qemu_commands(app, ctx);
	add_vport_commands(app, ctx);
	add_monitor_commands(app, ctx);
	add_probe_commands(app, ctx);
	add_migrate_commands(app, ctx);

	// Everything after the first "--" is exec's (or migrate prepare's) command, given to no parser:
	// CLI11 would otherwise still read QEMU's "-S" or "-device" as options
	// of ours after a multi-value option.
	std::vector<std::string> args;
	for (int i = argc - 1; i > 0; i--)
		args.emplace_back(argv[i]);
	for (int i = 1; i < argc; i++) {
		if (std::string(argv[i]) == "--") {
			ctx.has_dashdash = true;
			ctx.after_dashdash.assign(argv + i + 1, argv + argc);
			// CLI11 takes the words in reverse order.
			args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(ctx.after_dashdash.size() + 1));
			break;
		}
	}
	try {
		app.parse(args);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForVersion &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		std::cerr << "vportctl: ";
		app.exit(e);
		return exit_usage;
	}

	if (ctx.has_dashdash && !ctx.takes_command) {
		std::cerr << "vportctl: '--' and a command after it are only for exec and migrate prepare\nTry 'vportctl --help'.\n";
		return exit_usage;
	}
	try {
		return ctx.action ? ctx.action() : exit_usage;
	} catch (const UsageError &e) {
		std::cerr << "vportctl: " << e.what() << '\n';
		return exit_usage;
	} catch (const vport::Error &e) {
		std::cerr << "vportctl: " << e.what() << '\n';
		return exit_failed;
	} catch (const std::exception &e) {
		std::cerr << "vportctl: " << e.what() << '\n';
		return exit_failed;
	}
}
