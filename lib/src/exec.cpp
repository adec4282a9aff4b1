// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/exec.hpp"

#include "sysfs_util.hpp"
#include "vport/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <linux/close_range.h>
#include <set>
#include <unistd.h>

namespace vport {

namespace {

std::string errno_text(int err)
{
	return std::strerror(err);
}

} // namespace

std::vector<std::string> substitute_placeholders(const std::vector<std::string> &args,
						 const std::vector<FdBinding> &vports)
{
	std::set<std::string> used;
	auto find = [&](const std::string &arg, const std::string &ph, const std::string &name) -> const FdBinding & {
		if (name.empty()) {
			if (vports.size() != 1)
				throw Error("argument '" + arg + "': " + ph + " needs exactly one vport, there are " +
					    std::to_string(vports.size()) + " (use {fd:NAME})");
			return vports.front();
		}
		for (const auto &v : vports)
			if (v.name == name)
				return v;
		throw Error("argument '" + arg + "': " + ph + ": no vport named '" + name + "' is given (--vport " + name +
			    ")");
	};
	// "fd", "wwpn", "fd:NAME" or "wwpn:NAME"
	auto is_placeholder = [](const std::string &body) {
		for (const char *key : {"fd", "wwpn"}) {
			std::string k = key;
			if (body == k)
				return true;
			if (body.size() > k.size() + 1 && body.compare(0, k.size() + 1, k + ":") == 0)
				return body.find_first_of("{}") == std::string::npos;
		}
		return false;
	};
	std::vector<std::string> out;
	out.reserve(args.size());
	for (const auto &arg : args) {
		std::string r;
		for (std::size_t i = 0; i < arg.size();) {
			if (arg[i] != '{') {
				r += arg[i++];
				continue;
			}
			// "{{BODY}}" is the literal text "{BODY}".
			if (arg.compare(i, 2, "{{") == 0) {
				auto close = arg.find("}}", i + 2);
				if (close != std::string::npos && is_placeholder(arg.substr(i + 2, close - i - 2))) {
					r += arg.substr(i + 1, close - i);
					i = close + 2;
					continue;
				}
			}
			auto close = arg.find('}', i);
			if (close == std::string::npos || !is_placeholder(arg.substr(i + 1, close - i - 1))) {
				r += arg[i++];
				continue;
			}
			std::string body = arg.substr(i + 1, close - i - 1);
			std::string key = body, name;
			if (auto colon = body.find(':'); colon != std::string::npos) {
				key = body.substr(0, colon);
				name = body.substr(colon + 1);
			}
			const FdBinding &v = find(arg, "{" + body + "}", name);
			if (key == "fd") {
				r += std::to_string(v.fd);
				used.insert(v.name);
			} else {
				r += v.wwpn.naa_form();
			}
			i = close + 1;
		}
		out.push_back(std::move(r));
	}
	for (const auto &v : vports)
		if (!used.count(v.name))
			throw Error(v.name.empty() ? "vport " + v.wwpn.colon() + ": no {fd} in the command line hands it to QEMU"
						   : "vport " + v.name + ": no {fd:" + v.name +
							     "} in the command line hands it to QEMU");
	return out;
}

void inherit_only(const std::vector<int> &keep)
{
	for (int fd : keep) {
		if (fd <= 2 || ::fcntl(fd, F_GETFD) < 0) {
			int err = fd <= 2 ? EINVAL : errno;
			throw SystemError("fd " + std::to_string(fd) + " to pass on: " + errno_text(err), err);
		}
	}
	// Linux 5.11+: one call marks every fd above 2; then unmark the kept ones.
	if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
		for (int fd : keep) {
			int flags = ::fcntl(fd, F_GETFD);
			if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
				int err = errno;
				throw SystemError("fd " + std::to_string(fd) + ": F_SETFD: " + errno_text(err), err);
			}
		}
		return;
	}
	// Older kernels: walk /proc/self/fd.
	if (!std::filesystem::exists("/proc/self/fd"))
		throw SystemError("cannot list this process's fds: /proc is not mounted and close_range() failed", ENOENT);
	std::vector<int> fds;
	for (const auto &name : detail::list_dir("/proc/self/fd")) {
		auto n = detail::parse_u64(name);
		if (n && *n > 2)
			fds.push_back(static_cast<int>(*n));
	}
	for (int fd : fds) {
		int flags = ::fcntl(fd, F_GETFD);
		if (flags < 0)
			continue; // the directory's own fd, closed by now
		bool inherit = std::find(keep.begin(), keep.end(), fd) != keep.end();
		int want = inherit ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC);
		if (want != flags && ::fcntl(fd, F_SETFD, want) < 0) {
			int err = errno;
			throw SystemError("fd " + std::to_string(fd) + ": F_SETFD: " + errno_text(err), err);
		}
	}
}

void exec_with_fds(const std::vector<std::string> &args, const std::vector<int> &keep)
{
	if (args.empty())
		throw Error("exec: no program given");
	inherit_only(keep);
	std::vector<char *> argv;
	for (const auto &a : args)
		argv.push_back(const_cast<char *>(a.c_str()));
	argv.push_back(nullptr);
	::execvp(argv[0], argv.data());
	int err = errno;
	throw SystemError(args[0] + ": cannot execute: " + errno_text(err), err);
}

} // namespace vport
