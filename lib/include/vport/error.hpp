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
	/// @param code the errno behind the failure (0 if none).
	SystemError(const std::string &what, int code) : Error(what), code_(code) {}
	/// The errno behind the failure, 0 if none was recorded.
	int code() const noexcept { return code_; }

private:
	int code_ = 0;
};

/// A persistent vport definition that is malformed, unreadable or clashes
/// (message names the definition or its file).
class DefinitionError : public Error {
public:
	using Error::Error;
};

/// A QMP peer that is not QEMU, or a broken QMP conversation.
class QmpProtocolError : public Error {
public:
	using Error::Error;
};

/// A QMP command QEMU answered with an error; class_name() is QEMU's error
/// class ("GenericError", "DeviceNotFound"...), what() names the command.
class QmpCommandError : public Error {
public:
	QmpCommandError(const std::string &what, std::string class_name, std::string desc)
		: Error(what), class_(std::move(class_name)), desc_(std::move(desc)) {}
	const std::string &class_name() const noexcept { return class_; }
	/// QEMU's own description of the error.
	const std::string &desc() const noexcept { return desc_; }

private:
	std::string class_;
	std::string desc_;
};

} // namespace vport
