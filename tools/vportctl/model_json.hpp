// SPDX-License-Identifier: GPL-2.0-or-later
// libvport's model as vportctl's JSON (the one shape both -j and the text
// output come from). Absent attributes are absent keys, not nulls.
#pragma once

#include "cli.hpp"

#include <vport/hba.hpp>
#include <vport/wwn.hpp>

namespace vportctl {

Json hba_json(const vport::Hba &h);
Json vport_info_json(const vport::VportInfo &v);
// Every form of a WWN, its NAA type and OUI, and whether it is valid.
Json wwn_json(vport::Wwn w);

} // namespace vportctl
