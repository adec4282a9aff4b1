#include "vsclient/fd.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace vsc {

SysError::SysError(const std::string &what, int err)
	: std::runtime_error(what + ": " + errno_name(err) + " (" + std::strerror(err) + ")"), err_(err)
{
}

void throw_errno(const std::string &what)
{
	throw SysError(what, errno);
}

std::string errno_name(int err)
{
	if (err == 0)
		return "0";
	if (const char *n = strerrorname_np(err))
		return n;
	return "errno " + std::to_string(err);
}

UniqueFd &UniqueFd::operator=(UniqueFd &&o) noexcept
{
	if (this != &o)
		reset(o.release());
	return *this;
}

int UniqueFd::reset(int fd) noexcept
{
	int err = 0;
	if (fd_ >= 0 && ::close(fd_) < 0)
		err = errno;
	fd_ = fd;
	return err;
}

EventFd::EventFd() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
	if (!fd_)
		throw_errno("eventfd");
}

void EventFd::signal()
{
	uint64_t one = 1;
	if (::write(fd_.get(), &one, sizeof(one)) != sizeof(one))
		throw_errno("eventfd write");
}

uint64_t EventFd::consume()
{
	uint64_t v = 0;
	ssize_t n = ::read(fd_.get(), &v, sizeof(v));
	if (n == sizeof(v))
		return v;
	if (n < 0 && errno == EAGAIN)
		return 0;
	throw_errno("eventfd read");
}

bool EventFd::wait(int timeout_ms) const
{
	pollfd p{fd_.get(), POLLIN, 0};
	for (;;) {
		int r = ::poll(&p, 1, timeout_ms);
		if (r > 0)
			return true;
		if (r == 0)
			return false;
		if (errno != EINTR)
			throw_errno("poll on eventfd");
	}
}

} // namespace vsc
