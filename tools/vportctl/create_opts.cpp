// SPDX-License-Identifier: GPL-2.0-or-later
#include "create_opts.hpp"

#include <vport/error.hpp>
#include <vport/hba.hpp>

namespace vportctl {

vport::Wwn wwn_option(const std::string &option, const std::string &text)
{
	try {
		return vport::Wwn::parse(text);
	} catch (const vport::WwnError &e) {
		throw UsageError(option + ": " + e.what());
	}
}

void add_create_options(CLI::App *cmd, CreateOpts &o, bool allow_host_name)
{
	cmd->add_option("--wwpn", o.wwpn, "The vport's WWPN (any WWN form)")->group("Vport");
	cmd->add_option("--wwnn", o.wwnn, "The vport's WWNN (any WWN form)")->group("Vport");
	// Always known, so that define can say why it refuses a host name.
	auto *name = cmd->add_option("--parent", o.parent,
				     allow_host_name ? "Parent FC port by SCSI host name (host5)"
						     : "Not for definitions: host names change across reboots")
			     ->group(allow_host_name ? "Vport" : "");
	auto *pw = cmd->add_option("--parent-wwpn", o.parent_wwpn, "Parent FC port by its WWPN")->group("Vport");
	auto *fab = cmd->add_option("--fabric", o.fabric, "Any FC port on the fabric with this name")->group("Vport");
	auto *any = cmd->add_flag("--parent-any", o.parent_any,
				  "Any online NPIV-capable port with room (the default for exec and attach)")
			    ->group("Vport");
	std::vector<CLI::Option *> parents{pw, fab, any, name};
	for (auto *a : parents)
		for (auto *b : parents)
			if (a != b)
				a->excludes(b);
	cmd->add_option_function<std::uint32_t>(
		   "--login-timeout", [&o](const std::uint32_t &ms) { o.login_timeout_ms = ms; },
		   "Milliseconds to wait for the fabric login (default 30000)")
		->group("Vport");
}

vport::CreateRequest CreateOpts::request(const Context &ctx, bool allow_host_name) const
{
	vport::CreateRequest r;
	if (wwpn.empty() || wwnn.empty())
		throw UsageError("a vport needs --wwpn and --wwnn");
	r.wwpn = wwn_option("--wwpn", wwpn);
	r.wwnn = wwn_option("--wwnn", wwnn);
	if (r.wwpn == r.wwnn)
		throw UsageError("--wwpn and --wwnn are the same name (" + r.wwpn.colon() + ")");
	if (!parent.empty()) {
		if (!allow_host_name)
			throw UsageError("--parent " + parent +
					 ": a SCSI host name changes across reboots; use --parent-wwpn or --fabric");
		if (!vport::is_host_name(parent))
			throw UsageError("--parent " + parent + ": not a SCSI host name (hostN); use --parent-wwpn");
		r.parent = vport::ParentSpec::by_name(parent);
	} else if (!parent_wwpn.empty()) {
		r.parent = vport::ParentSpec::by_wwpn(wwn_option("--parent-wwpn", parent_wwpn));
	} else if (!fabric.empty()) {
		r.parent = vport::ParentSpec::by_fabric(wwn_option("--fabric", fabric));
	} else {
		r.parent = vport::ParentSpec::any();
	}
	r.login_timeout_ms = login_timeout_ms.value_or(0);
	r.control_device = ctx.control_device;
	return r;
}

vport::DefinitionStore definition_store(const Context &ctx)
{
	if (!ctx.state_dir.empty())
		return vport::DefinitionStore(ctx.state_dir);
	return vport::DefinitionStore();
}

Json definition_json(const vport::Definition &d)
{
	return Json::parse(vport::definition_to_json(d));
}

} // namespace vportctl
