#include "sys.hpp"
#include "log.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <chrono>
#include <system_error>
#include <unistd.h>

extern char **environ;

namespace fcf {

Fd &Fd::operator=(Fd &&o) noexcept
{
	if (this != &o) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = std::exchange(o.fd_, -1);
	}
	return *this;
}

Fd::~Fd()
{
	if (fd_ >= 0)
		::close(fd_);
}

void throw_errno(const std::string &what)
{
	throw std::system_error(errno, std::generic_category(), what);
}

CmdResult run_cmd(const std::vector<std::string> &argv)
{
	CmdResult r;
	int pipefd[2];
	if (::pipe2(pipefd, O_CLOEXEC) < 0)
		throw_errno("pipe for " + argv.at(0));
	Fd rd(pipefd[0]), wr(pipefd[1]);

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
	posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);

	std::vector<char *> args;
	for (auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);

	pid_t pid = -1;
	int err = ENOENT;
	for (const char *dir : {"", "/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
		std::string path = std::string(dir) + argv.at(0);
		err = *dir ? posix_spawn(&pid, path.c_str(), &fa, nullptr, args.data(), environ)
			   : posix_spawnp(&pid, path.c_str(), &fa, nullptr, args.data(), environ);
		if (err != ENOENT)
			break;
	}
	posix_spawn_file_actions_destroy(&fa);
	wr = Fd();
	if (err) {
		r.out = argv.at(0) + ": " + std::strerror(err);
		return r;
	}
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(rd.get(), buf, sizeof buf);
		if (n > 0) {
			r.out.append(buf, static_cast<std::size_t>(n));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	int st = 0;
	while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
	}
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

std::optional<std::string> fdb_port_of(const std::string &bridge, const Mac &mac)
{
	auto r = run_cmd({"bridge", "fdb", "show", "br", bridge});
	if (r.status != 0)
		return std::nullopt;
	std::istringstream in(r.out);
	std::string line;
	const std::string m = mac.str();
	while (std::getline(in, line)) {
		std::istringstream ls(line);
		std::string addr, word, dev;
		ls >> addr;
		if (addr != m)
			continue;
		while (ls >> word)
			if (word == "dev" && (ls >> dev))
				return dev;
	}
	return std::nullopt;
}

static std::string joined(const std::vector<std::string> &argv)
{
	std::string s;
	for (auto &a : argv)
		s += (s.empty() ? "" : " ") + a;
	return s;
}

static bool run_logged(const std::vector<std::string> &argv)
{
	auto r = run_cmd(argv);
	if (r.status != 0) {
		logf("kernel: '%s' failed (status %d): %s", joined(argv).c_str(), r.status,
		     r.out.c_str());
		return false;
	}
	return true;
}

Offload::Offload(std::string bridge, std::vector<std::string> ports, unsigned block,
		 Mac fcf_mac, bool rules_enabled)
	: bridge_(std::move(bridge)), ports_(std::move(ports)), block_(block), fcf_mac_(fcf_mac),
	  rules_enabled_(rules_enabled)
{
	if (rules_enabled_) {
		const std::string blk = std::to_string(block_);
		for (auto &p : ports_) {
			// A stale ingress qdisc from an earlier run would make "add" fail.
			run_cmd({"tc", "qdisc", "del", "dev", p, "ingress"});
			if (!run_logged({"tc", "qdisc", "add", "dev", p, "ingress_block", blk,
					 "ingress"})) {
				for (auto &a : attached_)
					run_cmd({"tc", "qdisc", "del", "dev", a, "ingress"});
				throw std::runtime_error("cannot attach tc ingress block " + blk +
							 " to " + p);
			}
			attached_.push_back(p);
		}
	}
	worker_ = std::jthread([this](std::stop_token st) { run(st); });
}

Offload::~Offload()
{
	drain();
	worker_.request_stop();
	cv_.notify_all();
	if (worker_.joinable())
		worker_.join();
	std::vector<std::uint32_t> ids;
	for (auto &[id, r] : rules_)
		ids.push_back(id);
	for (auto id : ids)
		do_remove(id);
	for (auto &p : attached_)
		run_cmd({"tc", "qdisc", "del", "dev", p, "ingress"});
}

void Offload::run(std::stop_token st)
{
	std::unique_lock lk(mu_);
	for (;;) {
		cv_.wait(lk, st, [&] { return !queue_.empty(); });
		if (queue_.empty())
			return;	// stop requested
		auto job = std::move(queue_.front());
		queue_.pop_front();
		busy_ = true;
		lk.unlock();
		job();
		lk.lock();
		busy_ = false;
		cv_.notify_all();
	}
}

void Offload::drain()
{
	std::unique_lock lk(mu_);
	cv_.wait(lk, [&] { return queue_.empty() && !busy_; });
}

void Offload::add(std::uint32_t fc_id, const Mac &fpma, const Mac &enode)
{
	std::lock_guard lk(mu_);
	queue_.push_back([this, fc_id, fpma, enode] { do_add(fc_id, fpma, enode); });
	cv_.notify_all();
}

void Offload::remove(std::uint32_t fc_id)
{
	std::lock_guard lk(mu_);
	queue_.push_back([this, fc_id] { do_remove(fc_id); });
	cv_.notify_all();
}

Offload::State Offload::state(std::uint32_t fc_id) const
{
	std::lock_guard lk(mu_);
	auto it = rules_.find(fc_id);
	if (it == rules_.end())
		return queue_.empty() && !busy_ ? State::none : State::pending;
	return it->second.state;
}

std::string Offload::port_of(const Mac &enode) const
{
	std::lock_guard lk(mu_);
	auto it = enode_ports_.find(enode);
	return it == enode_ports_.end() ? std::string() : it->second;
}

void Offload::forget_enode(const Mac &enode)
{
	std::lock_guard lk(mu_);
	queue_.push_back([this, enode] {
		std::lock_guard l(mu_);
		enode_ports_.erase(enode);
	});
	cv_.notify_all();
}

std::string Offload::lookup_port(const Mac &enode)
{
	{
		std::lock_guard lk(mu_);
		auto it = enode_ports_.find(enode);
		if (it != enode_ports_.end())
			return it->second;
	}
	// The bridge learnt the ENode's MAC from its FIP frames.
	for (int attempt = 0; attempt < 5; attempt++) {
		if (auto p = fdb_port_of(bridge_, enode)) {
			std::lock_guard lk(mu_);
			enode_ports_[enode] = *p;
			return *p;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	logf("ENode %s: not in the FDB of %s; its ports' frames will be forwarded in userspace",
	     enode.str().c_str(), bridge_.c_str());
	return {};
}

void Offload::do_add(std::uint32_t fc_id, Mac fpma, Mac enode)
{
	do_remove(fc_id);
	Rule rule;
	rule.fpma = fpma;
	rule.port = lookup_port(enode);
	rule.pref = next_pref_++;
	rule.state = State::userspace;
	if (!rule.port.empty()) {
		// The bridge must never flood frames for an FPMA.
		run_logged({"bridge", "fdb", "replace", fpma.str(), "dev", rule.port, "master",
			    "static"});
		if (rules_enabled_) {
			char d2[8], d10[8];
			std::snprintf(d2, sizeof d2, "0x%02x", (fc_id >> 16) & 0xff);
			std::snprintf(d10, sizeof d10, "0x%04x", fc_id & 0xffff);
			// u32 offsets are relative to the FCoE header: 14 bytes of
			// FCoE header, then R_CTL, then the D_ID bytes at 15..17.
			if (run_logged({"tc", "filter", "add", "block", std::to_string(block_),
					"protocol", "0x8906", "pref", std::to_string(rule.pref), "u32",
					"match", "u8", d2, "0xff", "at", "15", "match", "u16", d10,
					"0xffff", "at", "16", "action", "pedit", "ex", "munge", "eth",
					"dst", "set", fpma.str(), "munge", "eth", "src", "set",
					fcf_mac_.str(), "pipe", "action", "mirred", "egress",
					"redirect", "dev", rule.port}))
				rule.state = State::kernel;
			else
				run_cmd({"tc", "filter", "del", "block", std::to_string(block_), "pref",
					 std::to_string(rule.pref)});
		}
	}
	logf("%s forwarding for N_Port ID %s (MAC %s) behind %s",
	     rule.state == State::kernel ? "kernel" : "userspace", fcid_str(fc_id).c_str(),
	     fpma.str().c_str(), rule.port.empty() ? "?" : rule.port.c_str());
	std::lock_guard lk(mu_);
	rules_[fc_id] = rule;
}

void Offload::do_remove(std::uint32_t fc_id)
{
	Rule r;
	{
		std::lock_guard lk(mu_);
		auto it = rules_.find(fc_id);
		if (it == rules_.end())
			return;
		r = it->second;
		rules_.erase(it);
	}
	if (r.state == State::kernel)
		run_cmd({"tc", "filter", "del", "block", std::to_string(block_), "protocol", "0x8906",
			 "pref", std::to_string(r.pref)});
	if (!r.port.empty())
		run_cmd({"bridge", "fdb", "del", r.fpma.str(), "dev", r.port, "master"});
	debugf("forwarding rule for N_Port ID %s removed", fcid_str(fc_id).c_str());
}

}  // namespace fcf
