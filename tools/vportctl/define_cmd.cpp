// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl define NAME ... | undefine NAME | defined [NAME]
//
// Listing is `vportctl defined` rather than `list --defined`: `vport list`
// (the kernel's vports, over netlink) is the listing of live vports, and a
// top-level `list` would be ambiguous between the two.
#include "cli.hpp"
#include "create_opts.hpp"
#include "output.hpp"

#include <vport/definition.hpp>
#include <vport/error.hpp>

#include <iostream>

namespace vportctl {

namespace {

std::string parent_cell(const Json &row)
{
	auto p = row.find("parent");
	if (p == row.end() || !p->is_object())
		return "-";
	if (p->contains("wwpn"))
		return "wwpn " + (*p)["wwpn"].get<std::string>();
	if (p->contains("fabric"))
		return "fabric " + (*p)["fabric"].get<std::string>();
	return "any";
}

int define(const Context &ctx, const std::string &name, const CreateOpts &o, bool force)
{
	if (auto why = vport::definition_name_problem(name))
		throw UsageError("definition '" + name + "': " + *why);
	vport::CreateRequest r = o.request(ctx, false);
	if (o.parent_wwpn.empty() && o.fabric.empty() && !o.parent_any)
		throw UsageError("definition " + name + ": name the parent with --parent-wwpn, --fabric or --parent-any");
	vport::Definition d;
	d.name = name;
	d.wwpn = r.wwpn;
	d.wwnn = r.wwnn;
	d.parent = r.parent;
	d.login_timeout_ms = o.login_timeout_ms;
	auto store = definition_store(ctx);
	store.put(d, force);
	Json j = definition_json(d);
	j["file"] = store.file_of(name).string();
	emit(ctx, j, [&](std::ostream &out) { out << "defined " << name << " in " << store.file_of(name).string() << '\n'; });
	return exit_ok;
}

int undefine(const Context &ctx, const std::string &name)
{
	auto store = definition_store(ctx);
	try {
		store.file_of(name);
	} catch (const vport::DefinitionError &e) {
		throw UsageError(e.what());
	}
	store.remove(name);
	if (!ctx.json)
		std::cout << "undefined " << name << '\n';
	else
		emit(ctx, Json{{"name", name}, {"undefined", true}}, [](std::ostream &) {});
	return exit_ok;
}

int defined(const Context &ctx, const std::string &name)
{
	auto store = definition_store(ctx);
	if (!name.empty()) {
		try {
			store.file_of(name);
		} catch (const vport::DefinitionError &e) {
			throw UsageError(e.what());
		}
		Json j = definition_json(store.get(name));
		j["file"] = store.file_of(name).string();
		emit(ctx, j, [&](std::ostream &out) { render_record(out, j); });
		return exit_ok;
	}
	Json all = Json::array();
	std::vector<std::string> errors;
	for (const auto &e : store.scan()) {
		if (e.definition)
			all.push_back(definition_json(*e.definition));
		else
			errors.push_back(e.error);
	}
	emit(ctx, all, [&](std::ostream &out) {
		render_table(out, all,
			     {
				     key_column("NAME", "name"),
				     key_column("WWPN", "wwpn"),
				     key_column("WWNN", "wwnn"),
				     {"PARENT", parent_cell},
				     key_column("LOGIN-TIMEOUT-MS", "login_timeout_ms"),
			     });
	});
	for (const auto &e : errors)
		std::cerr << "vportctl: " << e << '\n';
	return errors.empty() ? exit_ok : exit_failed;
}

} // namespace

void add_define_commands(CLI::App &app, Context &ctx)
{
	auto o = std::make_shared<CreateOpts>();
	auto name = std::make_shared<std::string>();
	auto force = std::make_shared<bool>(false);
	auto *def = app.add_subcommand(
		"define", "Store a persistent vport definition (WWPN/WWNN and its parent by WWPN or fabric)");
	def->add_option("NAME", *name, "Definition name: letters, digits, '.', '_', '-' (up to 64)")->required();
	add_create_options(def, *o, false);
	def->get_option("--wwpn")->required();
	def->get_option("--wwnn")->required();
	def->add_flag("-f,--force", *force, "Replace an existing definition of that name");
	def->callback([&ctx, o, name, force] { ctx.action = [&ctx, o, name, force] { return define(ctx, *name, *o, *force); }; });

	auto uname = std::make_shared<std::string>();
	auto *undef = app.add_subcommand("undefine", "Delete a persistent vport definition (a running vport stays)");
	undef->add_option("NAME", *uname, "Definition name")->required();
	undef->callback([&ctx, uname] { ctx.action = [&ctx, uname] { return undefine(ctx, *uname); }; });

	auto lname = std::make_shared<std::string>();
	auto *list = app.add_subcommand("defined", "List the persistent vport definitions, or show one");
	list->add_option("NAME", *lname, "Show only this definition");
	list->callback([&ctx, lname] { ctx.action = [&ctx, lname] { return defined(ctx, *lname); }; });

	// `list --defined` is the name libvirt users know; plain `list` is `vport list`.
	auto want_defined = std::make_shared<bool>(false);
	auto *all = app.add_subcommand(
		"list", "List the kernel's vports (as vport list), or with --defined the persistent definitions");
	all->add_flag("--defined", *want_defined, "List the persistent definitions (as defined)");
	all->callback([&ctx, want_defined] {
		ctx.action = [&ctx, want_defined] {
			return *want_defined ? defined(ctx, std::string()) : vport_list(ctx);
		};
	});
}

} // namespace vportctl
