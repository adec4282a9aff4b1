// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Exceptions thrown by libvport.
///
/// Every error names the object it is about (a WWN as the user wrote it, an
/// HBA's host name, a sysfs path) and the cause, so that a caller can print
/// `what()` as is.
#pragma once

#include <stdexcept>
#include <string>

namespace vport {

/// Base class of every exception libvport throws.
class Error : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

/// Text that is not a valid World Wide Name (syntax or NAA rules).
class WwnError : public Error {
public:
	using Error::Error;
};

/// The object asked for does not exist (no such HBA, no such vport...).
class NotFoundError : public Error {
public:
	using Error::Error;
};

/// The kernel's view (sysfs, ioctl, netlink) could not be read or written.
class SystemError : public Error {
public:
	using Error::Error;
};

} // namespace vport
