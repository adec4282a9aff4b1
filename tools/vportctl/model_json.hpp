// SPDX-License-Identifier: GPL-2.0-or-later
// libvport's model as vportctl's JSON (the one shape both -j and the text
// output come from). Absent attributes are absent keys, not nulls.
#pragma once

#include "cli.hpp"

#include <vport/hba.hpp>
#include <vport/monitor.hpp>
#include <vport/vports.hpp>
#include <vport/wwn.hpp>

namespace vportctl {

Json hba_json(const vport::Hba &h);
Json vport_info_json(const vport::VportInfo &v);
// A vport of the kernel module (netlink view).
Json vport_state_json(const vport::VportState &v);
// One event; its "time" is when vportctl read it (UTC, ISO 8601).
Json event_json(const vport::Event &e);
// Every form of a WWN, its NAA type and OUI, and whether it is valid.
Json wwn_json(vport::Wwn w);

} // namespace vportctl
