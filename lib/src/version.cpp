// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/version.hpp"

namespace vport {

const char *version() noexcept
{
	return VPORT_VERSION_STRING;
}

} // namespace vport
