// SPDX-License-Identifier: LGPL-2.1-or-later
// Internal: hex digits, for the WWN and WWN-pair parsers.
#pragma once

namespace vport::detail {

/// The value of a hex digit (either case), or -1.
inline int hex_digit(char c) noexcept
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

} // namespace vport::detail
