// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl migrate describe | prepare | commit | abort: live migration of a
// VM from its vport A to a vport with its other WWPN, B (see
// vport/migrate.hpp for the steps and what each guarantees).
#include "cli.hpp"
#include "create_opts.hpp"
#include "output.hpp"

#include <vport/error.hpp>
#include <vport/exec.hpp>
#include <vport/migrate.hpp>
#include <vport/pr.hpp>
#include <vport/qmp.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

namespace vportctl {

namespace {

std::string key_hex(std::uint64_t key)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(key));
	return buf;
}

Json steps_json(const std::vector<vport::PrStep> &steps)
{
	Json a = Json::array();
	for (const auto &s : steps) {
		Json x;
		x["hctl"] = s.hctl;
		x["target"] = s.target.colon();
		x["lun"] = s.lun;
		x["action"] = s.action;
		if (s.key)
			x["key"] = key_hex(s.key);
		x["reservation"] = s.type ? vport::pr_type_name(s.type) : "none";
		x["detail"] = s.detail;
		a.push_back(std::move(x));
	}
	return a;
}

void render_steps(std::ostream &out, const Json &steps)
{
	if (steps.empty()) {
		out << "persistent reservations: no LUN\n";
		return;
	}
	out << "persistent reservations:\n";
	render_table(out, steps,
		     {key_column("LUN", "hctl"), key_column("TARGET", "target"), key_column("ACTION", "action"),
		      key_column("KEY", "key"), key_column("RESERVATION", "reservation"),
		      key_column("DETAIL", "detail")});
}

std::chrono::milliseconds seconds(double s)
{
	return std::chrono::milliseconds(static_cast<long>(s * 1000));
}

int do_describe(const Context &ctx, const std::string &wwpn, const std::string &output)
{
	auto src = vport::describe_source(wwn_option("WWPN", wwpn));
	Json j = vport::to_json(src);
	if (!output.empty()) {
		std::ofstream f(output);
		f << j.dump(1) << '\n';
		if (!f.flush())
			throw vport::Error("migrate describe: cannot write " + output);
	}
	emit(ctx, j, [&](std::ostream &out) {
		out << "vport " << src.wwpn.colon() << " (WWNN " << src.wwnn.colon() << ")\n";
		out << "target ids:";
		for (const auto &t : src.targets)
			out << ' ' << t.id << '=' << t.wwpn.colon();
		out << (src.targets.empty() ? " none\n\n" : "\n\n");
		render_table(out, j["luns"],
			     {key_column("TARGET", "target"), key_column("LUN", "lun"), key_column("VENDOR", "vendor"),
			      key_column("PRODUCT", "product"),
			      lun_ids_column()});
	});
	return exit_ok;
}

struct PrepareArgs {
	std::string from, source_file;
	double lun_wait_s = 30;
	std::string qmp, id;            // --qmp: hot-plug B into a waiting destination
	std::vector<std::string> props;
	double timeout_s = 10;
};

int do_prepare(const Context &ctx, const PrepareArgs &a, const CreateOpts &o, const std::vector<std::string> &command)
{
	if (a.from.empty() == a.source_file.empty())
		throw UsageError("migrate prepare: give --from WWPN (vport A on this host) or --source FILE "
				 "(from 'vportctl -j migrate describe' on A's host)");
	if (a.qmp.empty() && command.empty())
		throw UsageError("migrate prepare: give the destination QEMU, as a command after -- (exec'd with "
				 "-incoming) or as --qmp SOCKET (one waiting with -incoming defer)");
	if (!a.qmp.empty() && !command.empty())
		throw UsageError("migrate prepare: --qmp and a command after -- exclude each other");
	if (a.qmp.empty() != a.id.empty())
		throw UsageError("migrate prepare: --qmp and --id go together");
	vport::CreateRequest req = o.request(ctx, true);
	std::optional<vport::AttachOptions> attach;
	if (!a.qmp.empty()) {
		attach = attach_options(a.id, a.props);
	} else {
		if (!a.props.empty())
			throw UsageError("migrate prepare: --prop goes with --qmp");
		try {
			vport::substitute_placeholders(command, {{"", 0, req.wwpn}});
		} catch (const vport::Error &e) {
			throw UsageError(e.what());
		}
	}
	// The destination QEMU first: a socket that is not a QEMU waiting for
	// a migration must change nothing.
	std::optional<vport::QmpClient> qmp;
	if (!a.qmp.empty()) {
		qmp.emplace(vport::QmpClient::connect(a.qmp, seconds(a.timeout_s)));
		vport::require_incoming(*qmp, a.qmp);
	}
	vport::MigrationSource src;
	if (!a.from.empty()) {
		src = vport::describe_source(wwn_option("--from", a.from));
	} else {
		std::ifstream f(a.source_file);
		if (!f)
			throw vport::Error("migrate prepare: cannot read " + a.source_file);
		Json j;
		try {
			j = Json::parse(f);
		} catch (const Json::exception &e) {
			throw vport::Error("migrate prepare: " + a.source_file + ": not JSON: " + e.what());
		}
		src = vport::migration_source_from_json(j);
	}
	vport::Prepared p = vport::prepare_migration(src, req, seconds(a.lun_wait_s));

	Json j;
	j["from"] = src.wwpn.colon();
	j["to"] = req.wwpn.colon();
	j["parent"] = p.info.parent;
	j["host"] = p.info.host;
	j["fd"] = p.vport.fd();
	j["targets"] = Json::array();
	for (const auto &t : src.targets)
		j["targets"].push_back({{"id", t.id}, {"wwpn", t.wwpn.colon()}});
	j["luns_checked"] = p.luns.size();
	j["reservations"] = steps_json(p.pr);
	if (qmp) {
		vport::attach_prepared(*qmp, p, req.wwpn, *attach);
		j["qemu"] = {{"qmp", a.qmp}, {"id", attach->id}, {"fdname", attach->fdname},
			     {"version", qmp->qemu_version()}};
	}
	j["ms"] = static_cast<long>(p.ms);
	emit(ctx, j, [&](std::ostream &out) {
		out << "vport " << req.wwpn.colon() << " on " << p.info.parent << " ready to take over from "
		    << src.wwpn.colon() << ": " << src.targets.size() << " target id(s) copied, " << p.luns.size()
		    << " LUN(s) with the same identity, " << static_cast<long>(p.ms) << " ms\n";
		if (qmp)
			out << "device " << attach->id << " added to the destination QEMU (" << a.qmp
			    << "), which now holds the vport\n";
		render_steps(out, j["reservations"]);
	});
	if (qmp)
		return exit_ok;	// QEMU holds B now; our fd goes with p
	std::cout.flush();
	auto args = vport::substitute_placeholders(command, {{"", p.vport.fd(), req.wwpn}});
	try {
		vport::exec_with_fds(args, {p.vport.fd()});
	} catch (const vport::Error &) {
		vport::undo_registrations(p);	// B goes with its fd: leave no registration of it
		throw;
	}
}

struct EndArgs {
	std::string from, to, qmp, source_qmp;
	double timeout_s = 30;
};

vport::MigrationPeers peers(const EndArgs &a)
{
	vport::MigrationPeers o;
	o.from = wwn_option("--from", a.from);
	o.to = wwn_option("--to", a.to);
	o.dest_qmp = a.qmp;
	o.source_qmp = a.source_qmp;
	o.timeout = seconds(a.timeout_s);
	return o;
}

int do_commit(const Context &ctx, const EndArgs &a)
{
	const vport::MigrationPeers o = peers(a);
	auto r = vport::commit_migration(o);
	Json j;
	j["from"] = o.from.colon();
	j["to"] = o.to.colon();
	if (!r.source_status.empty())
		j["source_migration"] = r.source_status;
	if (!r.dest_status.empty())
		j["destination_status"] = r.dest_status;
	j["reservations"] = steps_json(r.pr);
	j["reservations_ms"] = static_cast<long>(r.pr_ms);
	j["resumed"] = r.resumed;
	if (r.resumed)
		j["resumed_after_ms"] = static_cast<long>(r.resume_ms);
	j["source_quit"] = r.source_quit;
	j["source_vport_deleted"] = r.source_gone;
	j["ms"] = static_cast<long>(r.ms);
	emit(ctx, j, [&](std::ostream &out) {
		out << "committed " << o.from.colon() << " -> " << o.to.colon() << " in " << static_cast<long>(r.ms)
		    << " ms\n";
		render_steps(out, j["reservations"]);
		out << (r.resumed ? "destination resumed\n" : "destination not resumed by vportctl\n");
		out << (r.source_gone ? "source QEMU stopped, vport " + o.from.colon() + " deleted\n"
				      : "vport " + o.from.colon() + " goes when the source QEMU exits\n");
	});
	return exit_ok;
}

int do_abort(const Context &ctx, const EndArgs &a)
{
	const vport::MigrationPeers o = peers(a);
	auto r = vport::abort_migration(o);
	Json j;
	j["from"] = o.from.colon();
	j["to"] = o.to.colon();
	j["reservations"] = steps_json(r.pr);
	j["destination_quit"] = r.dest_quit;
	j["destination_vport_deleted"] = r.dest_gone;
	if (!r.source_status.empty())
		j["source_status"] = r.source_status;
	j["source_resumed"] = r.source_resumed;
	j["ms"] = static_cast<long>(r.ms);
	emit(ctx, j, [&](std::ostream &out) {
		out << "aborted " << o.from.colon() << " -> " << o.to.colon() << "; " << o.from.colon()
		    << " keeps the VM\n";
		render_steps(out, j["reservations"]);
		out << (r.dest_gone ? "destination QEMU stopped, vport " + o.to.colon() + " deleted\n"
				    : "vport " + o.to.colon() + " goes when the destination QEMU exits\n");
		if (r.source_resumed)
			out << "source resumed\n";
	});
	return exit_ok;
}

void add_end_options(CLI::App *cmd, EndArgs &a, const char *qmp_help)
{
	cmd->add_option("--from", a.from, "WWPN of vport A (the source's)")->required();
	cmd->add_option("--to", a.to, "WWPN of vport B (the destination's)")->required();
	cmd->add_option("--qmp", a.qmp, qmp_help);
	cmd->add_option("--source-qmp", a.source_qmp, "The source QEMU's QMP unix socket, if it runs on this host");
	cmd->add_option("--timeout", a.timeout_s, "Seconds to wait for QEMU and for a vport to go (default 30)")
		->check(CLI::PositiveNumber);
}

} // namespace

void add_migrate_commands(CLI::App &app, Context &ctx)
{
	auto *mig = app.add_subcommand("migrate", "Live migration between a VM's two WWPNs: A on the source, B on the "
						  "destination");
	mig->require_subcommand(1);
	mig->footer("Order: describe (source host) -> prepare (destination, execs QEMU -incoming -S) -> QEMU "
		    "migrate -> commit, or abort at any point before commit.");
	{
		auto wwpn = std::make_shared<std::string>();
		auto output = std::make_shared<std::string>();
		auto *cmd = mig->add_subcommand(
			"describe", "What the destination must know of vport A: its target-id table and each LUN's "
				    "identity (VPD 0x83); -j gives the file prepare --source reads");
		cmd->add_option("WWPN", *wwpn, "vport A's WWPN")->required();
		cmd->add_option("-o,--output", *output, "Also write the JSON to this file");
		cmd->callback([&ctx, wwpn, output] {
			ctx.action = [&ctx, wwpn, output] { return do_describe(ctx, *wwpn, *output); };
		});
	}
	{
		auto o = std::make_shared<CreateOpts>();
		auto a = std::make_shared<PrepareArgs>();
		auto command = std::make_shared<std::vector<std::string>>();
		auto *cmd = mig->add_subcommand(
			"prepare", "Create vport B with A's target-id table, refuse unless it sees the same LUNs (VPD "
				   "0x83), register it with A's reservation keys, then exec the destination QEMU with "
				   "its fd ({fd}, {wwpn}), or hot-plug it into one waiting with -incoming defer (--qmp)");
		cmd->add_option("--from", a->from, "vport A's WWPN, when A runs on this host")->group("Source");
		cmd->add_option("--source", a->source_file, "The JSON of 'vportctl -j migrate describe' from A's host")
			->group("Source");
		add_create_options(cmd, *o, true);
		cmd->add_option("--lun-wait", a->lun_wait_s, "Seconds B may take to see A's LUNs (default 30)")
			->check(CLI::PositiveNumber);
		cmd->add_option("--qmp", a->qmp,
				"Instead of a command: the QMP socket of a destination QEMU already waiting with "
				"-incoming defer; B is hot-plugged into it (getfd + device_add vhost-scsi-pci)")
			->group("Destination QEMU");
		cmd->add_option("--id", a->id, "With --qmp: the device id, the source device's")
			->group("Destination QEMU");
		cmd->add_option("--prop", a->props,
				"With --qmp: more device properties, KEY=VALUE (repeatable), as the source device "
				"has them, e.g. bus=rp0 num_queues=4 (migratable=on is the default)")
			->group("Destination QEMU");
		cmd->add_option("--timeout", a->timeout_s, "With --qmp: seconds to wait for each QMP answer (default 10)")
			->check(CLI::PositiveNumber)
			->group("Destination QEMU");
		cmd->add_option("COMMAND", *command,
				"After --: the destination QEMU, e.g. -- qemu-system-x86_64 ... -S -incoming ... "
				"-device vhost-scsi-pci,wwpn={wwpn},vhostfd={fd},migratable=on");
		cmd->footer("Start the destination with -S: commit moves the reservations before it resumes it. On "
			    "failure nothing is exec'd or added, B's registrations are undone and B is deleted again.");
		cmd->callback([&ctx, o, a, command] {
			ctx.takes_command = true;
			ctx.action = [&ctx, o, a, command] {
				auto cmdline = *command;
				cmdline.insert(cmdline.end(), ctx.after_dashdash.begin(), ctx.after_dashdash.end());
				return do_prepare(ctx, *a, *o, cmdline);
			};
		});
	}
	{
		auto a = std::make_shared<EndArgs>();
		auto *cmd = mig->add_subcommand(
			"commit", "After QEMU's migration completed: move A's reservations to B (PREEMPT), resume the "
				  "destination, stop the source (which deletes vport A)");
		add_end_options(cmd, *a, "The destination QEMU's QMP unix socket (it is resumed with cont)");
		cmd->callback([&ctx, a] { ctx.action = [&ctx, a] { return do_commit(ctx, *a); }; });
	}
	{
		auto a = std::make_shared<EndArgs>();
		auto *cmd = mig->add_subcommand(
			"abort", "Roll back before commit: cancel the migration, unregister B, stop the destination "
				 "(which deletes vport B), resume the source; A keeps the VM");
		add_end_options(cmd, *a, "The destination QEMU's QMP unix socket (it is told to quit)");
		cmd->callback([&ctx, a] { ctx.action = [&ctx, a] { return do_abort(ctx, *a); }; });
	}
}

} // namespace vportctl
