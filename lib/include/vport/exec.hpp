// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Starting QEMU with vport fds: placeholders in its command line, and an
/// exec that passes exactly those fds.
///
/// Placeholders (replaced anywhere inside an argument, so that
/// "vhostfd={fd}" and "wwpn={wwpn}" work inside a -device option):
///
///     {fd}          the fd of the only vport (an error with several)
///     {fd:NAME}     the fd of the vport named NAME
///     {wwpn}        the only vport's WWPN as QEMU's vhost-scsi wants it,
///                   naa.<16 hex digits>
///     {wwpn:NAME}   the same for the vport named NAME
///     {{fd}}        the literal text {fd} (likewise {{fd:NAME}},
///                   {{wwpn}}, {{wwpn:NAME}})
///
/// Every other brace is left alone, so QEMU's JSON -device syntax keeps
/// working.
/// Every vport must be used by at least one {fd...} placeholder: a vport
/// the command line never hands to QEMU is a mistake.
#pragma once

#include "vport/wwn.hpp"

#include <string>
#include <vector>

namespace vport {

/// A vport as the command line refers to it.
struct FdBinding {
	std::string name; ///< definition name, or "" for an unnamed vport
	int fd = -1;
	Wwn wwpn = Wwn::unchecked(0);
};

/// The arguments with every placeholder replaced.
/// @throws Error naming the argument and the placeholder that cannot be
///         resolved, or the vport no {fd} placeholder uses.
std::vector<std::string> substitute_placeholders(const std::vector<std::string> &args,
						 const std::vector<FdBinding> &vports);

/// Marks every fd above 2 close-on-exec except @p keep, whose
/// close-on-exec flag is cleared. @throws SystemError
void inherit_only(const std::vector<int> &keep);

/// inherit_only(@p keep), then execvp(args[0], args). Returns only by
/// throwing (SystemError naming the program and why exec failed).
[[noreturn]] void exec_with_fds(const std::vector<std::string> &args, const std::vector<int> &keep);

} // namespace vport
