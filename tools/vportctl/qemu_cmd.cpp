// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl exec | attach | detach: vport fds into QEMU, at start or live.
//
// The vport lives as long as its fd. exec hands the fd to QEMU by
// inheritance, attach by SCM_RIGHTS over QMP; vportctl then exits and
// QEMU's reference keeps the vport. detach makes QEMU drop the device, and
// with it the last reference: the kernel deletes the vport.
#include "cli.hpp"
#include "create_opts.hpp"
#include "output.hpp"

#include <vport/error.hpp>
#include <vport/exec.hpp>
#include <vport/qmp.hpp>
#include <vport/vport.hpp>

#include <chrono>
#include <iostream>
#include <set>

namespace vportctl {

vport::AttachOptions attach_options(const std::string &id, const std::vector<std::string> &props)
{
	vport::AttachOptions opts;
	opts.id = id;
	opts.fdname = "vport-" + id;
	for (const auto &p : props) {
		auto eq = p.find('=');
		if (eq == std::string::npos || eq == 0)
			throw UsageError("--prop " + p + ": want KEY=VALUE");
		std::string key = p.substr(0, eq);
		if (key == "driver" || key == "id" || key == "vhostfd" || key == "wwpn")
			throw UsageError("--prop " + p + ": vportctl sets " + key + " itself");
		opts.extra[key] = p.substr(eq + 1);
	}
	return opts;
}

namespace {

struct Wanted {
	std::string name; // definition name, "" for the --wwpn one
	vport::CreateRequest req;
};

// The vports the options ask for, definitions first (order of --vport).
std::vector<Wanted> wanted_vports(const Context &ctx, const std::vector<std::string> &defs, const CreateOpts &o)
{
	std::vector<Wanted> w;
	auto store = definition_store(ctx);
	for (const auto &name : defs) {
		if (auto why = vport::definition_name_problem(name))
			throw UsageError("--vport " + name + ": " + *why);
		vport::CreateRequest r = store.get(name).request();
		r.control_device = ctx.control_device;
		w.push_back({name, r});
	}
	if (o.given())
		w.push_back({"", o.request(ctx, true)});
	std::set<std::string> names;
	std::set<vport::Wwn> wwpns;
	for (const auto &v : w) {
		if (!v.name.empty() && !names.insert(v.name).second)
			throw UsageError("--vport " + v.name + " is given twice");
		if (!wwpns.insert(v.req.wwpn).second)
			throw UsageError("WWPN " + v.req.wwpn.colon() + " is asked for twice");
	}
	return w;
}

int do_exec(const Context &ctx, const std::vector<std::string> &defs, const CreateOpts &o,
	    const std::vector<std::string> &command)
{
	if (command.empty())
		throw UsageError("exec: no command after --");
	auto wanted = wanted_vports(ctx, defs, o);
	if (wanted.empty())
		throw UsageError("exec: no vport given (--vport DEF or --wwpn/--wwnn)");
	// Check the command line before creating anything.
	std::vector<vport::FdBinding> dry;
	for (const auto &w : wanted)
		dry.push_back({w.name, 0, w.req.wwpn});
	try {
		vport::substitute_placeholders(command, dry);
	} catch (const vport::Error &e) {
		throw UsageError(e.what());
	}

	std::vector<vport::Vport> vports;
	std::vector<vport::FdBinding> bindings;
	for (const auto &w : wanted) {
		vports.push_back(vport::Vport::create(w.req));
		bindings.push_back({w.name, vports.back().fd(), w.req.wwpn});
	}
	auto args = vport::substitute_placeholders(command, bindings);
	std::vector<int> keep;
	for (const auto &v : vports)
		keep.push_back(v.fd());
	// On success this does not return; on failure the Vports close their
	// fds and the kernel deletes the vports.
	vport::exec_with_fds(args, keep);
}

Json attach_json(const std::string &id, const std::string &fdname, vport::Wwn wwpn,
		 const std::optional<vport::VportFdInfo> &info, const vport::QmpClient &qmp)
{
	Json j;
	j["id"] = id;
	j["driver"] = "vhost-scsi-pci";
	j["fdname"] = fdname;
	j["wwpn"] = wwpn.colon();
	if (info) {
		j["wwnn"] = info->wwnn.colon();
		j["parent"] = info->parent;
		j["parent_wwpn"] = info->parent_wwpn.colon();
		j["fabric_name"] = info->fabric_name.colon();
		j["host"] = info->host;
		j["remote_ports"] = info->nr_rports;
	}
	j["qemu"] = qmp.qemu_version();
	return j;
}

struct AttachArgs {
	std::string qmp, id, def;
	int fd = -1;
	std::vector<std::string> props;
	double timeout_s = 10;
};

int do_attach(const Context &ctx, const AttachArgs &a, const CreateOpts &o)
{
	if (a.def.empty() && !o.given())
		throw UsageError("attach: give --vport DEF, or --wwpn and --wwnn");
	if (!a.def.empty() && o.given())
		throw UsageError("attach: give --vport DEF or --wwpn/--wwnn, not both");
	vport::AttachOptions opts = attach_options(a.id, a.props);
	vport::CreateRequest req;
	if (a.fd < 0) {
		auto wanted = wanted_vports(ctx, a.def.empty() ? std::vector<std::string>{} : std::vector{a.def}, o);
		req = wanted.front().req;
	} else {
		// An fd this process inherited: only its WWPN is needed (wwpn=).
		if (o.wwpn.empty())
			throw UsageError("attach --fd needs --wwpn (the vport's WWPN, for the device's wwpn=)");
		req.wwpn = wwn_option("--wwpn", o.wwpn);
	}

	auto timeout = std::chrono::milliseconds(static_cast<long>(a.timeout_s * 1000));
	// QEMU first: a socket that is not QEMU must change nothing.
	auto qmp = vport::QmpClient::connect(a.qmp, timeout);
	vport::Vport vp = a.fd >= 0 ? vport::Vport::adopt(a.fd, req.wwpn) : vport::Vport::create(req);
	std::optional<vport::VportFdInfo> info;
	try {
		info = vp.info();
	} catch (const vport::Error &) {
		// not a vport fd (--fd): QEMU will say what it thinks of it
	}
	try {
		vport::attach_vhost_scsi(qmp, vp.fd(), req.wwpn.naa_form(), opts);
	} catch (const vport::QmpCommandError &e) {
		throw vport::Error("attach " + a.id + ": vport " + req.wwpn.colon() + ": QEMU refused: " + e.desc() +
				   " (rolled back: the fd is closed in QEMU and here, so the vport is gone)");
	}
	// QEMU holds its own reference now; ours goes when vp does.
	Json j = attach_json(a.id, opts.fdname, req.wwpn, info, qmp);
	emit(ctx, j, [&](std::ostream &out) { render_record(out, j); });
	return exit_ok;
}

int do_detach(const Context &ctx, const std::string &socket, const std::string &id, double timeout_s)
{
	auto timeout = std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
	auto qmp = vport::QmpClient::connect(socket, std::min(timeout, std::chrono::milliseconds(10000)));
	bool gone;
	try {
		gone = vport::detach_device(qmp, id, timeout);
	} catch (const vport::QmpCommandError &e) {
		throw vport::Error("detach " + id + ": QEMU refused: " + e.desc());
	}
	if (!gone)
		throw vport::Error("detach " + id + ": QEMU accepted device_del but has not removed the device after " +
				   CLI::detail::to_string(timeout_s) +
				   " s; PCI unplug needs the guest to acknowledge it, which a paused or unresponsive guest "
				   "never does (the vport goes when QEMU drops the device)");
	Json j{{"id", id}, {"deleted", true}};
	emit(ctx, j, [&](std::ostream &out) { out << "detached " << id << '\n'; });
	return exit_ok;
}

} // namespace

void add_qemu_commands(CLI::App &app, Context &ctx)
{
	// exec
	{
		auto o = std::make_shared<CreateOpts>();
		auto defs = std::make_shared<std::vector<std::string>>();
		auto command = std::make_shared<std::vector<std::string>>();
		auto *cmd = app.add_subcommand(
			"exec",
			"Create vports and exec a command (QEMU) with their fds: {fd} or {fd:DEF} in its arguments become "
			"the fd numbers, {wwpn} or {wwpn:DEF} the WWPNs as naa.<hex>; only those fds are inherited");
		cmd->add_option("--vport", *defs, "A persistent definition to create (repeatable; {fd:DEF})")
			->expected(1)
			->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
			->group("Vport");
		add_create_options(cmd, *o, true);
		cmd->add_option("COMMAND", *command,
				"After --: the command and its arguments, e.g. -- qemu-system-x86_64 ... "
				"-device vhost-scsi-pci,wwpn={wwpn},vhostfd={fd}");
		cmd->footer("A vport lives as long as its fd: it goes when the command (QEMU) exits.");
		cmd->callback([&ctx, o, defs, command] {
			ctx.takes_command = true;
			ctx.action = [&ctx, o, defs, command] {
				// main() keeps what follows "--" away from the parser.
				auto cmdline = *command;
				cmdline.insert(cmdline.end(), ctx.after_dashdash.begin(), ctx.after_dashdash.end());
				return do_exec(ctx, *defs, *o, cmdline);
			};
		});
	}
	// attach
	{
		auto o = std::make_shared<CreateOpts>();
		auto a = std::make_shared<AttachArgs>();
		auto *cmd = app.add_subcommand(
			"attach", "Create a vport and hot-plug it into a running QEMU as a vhost-scsi-pci device over QMP");
		cmd->add_option("--qmp", a->qmp, "QEMU's QMP unix socket")->required();
		cmd->add_option("--id", a->id, "Device id for device_add (and later detach)")->required();
		cmd->add_option("--vport", a->def, "The persistent definition to create")->group("Vport");
		add_create_options(cmd, *o, true);
		cmd->add_option("--fd", a->fd, "Hand over this inherited vport fd instead of creating one (needs --wwpn)")
			->group("Vport")
			->check(CLI::NonNegativeNumber);
		cmd->add_option("--prop", a->props,
				"More device properties, KEY=VALUE (repeatable), e.g. bus=rp0 num_queues=4 migratable=on");
		cmd->add_option("--timeout", a->timeout_s, "Seconds to wait for each QMP answer (default 10)")
			->check(CLI::PositiveNumber);
		cmd->footer("On any failure the fd is closed in QEMU again and the vport deleted. On success QEMU "
			    "keeps the vport alive: it lives until QEMU drops the device (detach) or exits.");
		cmd->callback([&ctx, o, a] { ctx.action = [&ctx, o, a] { return do_attach(ctx, *a, *o); }; });
	}
	// detach
	{
		auto socket = std::make_shared<std::string>();
		auto id = std::make_shared<std::string>();
		auto timeout = std::make_shared<double>(30);
		auto *cmd = app.add_subcommand(
			"detach", "Unplug a device from a running QEMU over QMP and wait until it is gone (and its vport)");
		cmd->add_option("--qmp", *socket, "QEMU's QMP unix socket")->required();
		cmd->add_option("--id", *id, "The device id given to attach")->required();
		cmd->add_option("--timeout", *timeout, "Seconds to wait for DEVICE_DELETED (default 30)")
			->check(CLI::PositiveNumber);
		cmd->callback([&ctx, socket, id, timeout] {
			ctx.action = [&ctx, socket, id, timeout] { return do_detach(ctx, *socket, *id, *timeout); };
		});
	}
}

} // namespace vportctl
