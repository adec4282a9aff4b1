// SPDX-License-Identifier: GPL-2.0-or-later
// The options that say which vport to create, shared by define, exec and
// attach: --wwpn/--wwnn, one parent option, --login-timeout; and --vport
// DEF for a persistent definition.
#pragma once

#include "cli.hpp"

#include <vport/definition.hpp>
#include <vport/vport.hpp>

#include <memory>
#include <optional>
#include <string>

namespace vportctl {

struct CreateOpts {
	std::string wwpn, wwnn;
	std::string parent;        // --parent hostN (not for define)
	std::string parent_wwpn;   // --parent-wwpn
	std::string fabric;        // --fabric
	bool parent_any = false;   // --parent-any
	std::optional<std::uint32_t> login_timeout_ms;

	bool given() const { return !wwpn.empty() || !wwnn.empty(); }
	// The request; UsageError for malformed or missing values.
	vport::CreateRequest request(const Context &ctx, bool allow_host_name) const;
};

// Adds --wwpn, --wwnn, the parent options (--parent only if
// @p allow_host_name) and --login-timeout to @p cmd.
void add_create_options(CLI::App *cmd, CreateOpts &o, bool allow_host_name);

// A WWN from a command-line option; UsageError naming the option.
vport::Wwn wwn_option(const std::string &option, const std::string &text);

// The state folder the context selects.
vport::DefinitionStore definition_store(const Context &ctx);

// JSON of a definition (the same keys as its file).
Json definition_json(const vport::Definition &d);

} // namespace vportctl
