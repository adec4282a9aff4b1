// File descriptors, eventfds and system errors for the vhost-scsi test client.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace vsc {

// A failed system call: the message names the object and the call, errno()
// keeps the cause for callers that test for a specific one.
class SysError : public std::runtime_error {
public:
	SysError(const std::string &what, int err);
	int error() const noexcept { return err_; }

private:
	int err_;
};

// Throws SysError(what, errno) — call right after the failing system call.
[[noreturn]] void throw_errno(const std::string &what);

// "EINVAL" for EINVAL, "0" for 0, "errno 1234" for unknown values.
std::string errno_name(int err);

// Owns one file descriptor; move-only, closes on destruction.
class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) noexcept : fd_(fd) {}
	UniqueFd(UniqueFd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	UniqueFd &operator=(UniqueFd &&o) noexcept;
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	~UniqueFd() { reset(); }

	int get() const noexcept { return fd_; }
	explicit operator bool() const noexcept { return fd_ >= 0; }
	int release() noexcept { return std::exchange(fd_, -1); }
	// Closes the fd now; returns close()'s errno (0 on success).
	int reset(int fd = -1) noexcept;

private:
	int fd_ = -1;
};

// A non-blocking eventfd, used for kicks, calls, errors and the log signal.
class EventFd {
public:
	EventFd();
	int fd() const noexcept { return fd_.get(); }
	// Adds 1 (a kick).
	void signal();
	// Reads and resets the counter; 0 when nothing was signalled.
	uint64_t consume();
	// Waits until the counter is non-zero or timeout_ms passes (-1: forever).
	// Does not consume. Returns true if signalled.
	bool wait(int timeout_ms) const;

private:
	UniqueFd fd_;
};

} // namespace vsc
