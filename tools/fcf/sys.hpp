// Small RAII wrappers around the kernel objects the forwarder uses: file
// descriptors, child commands (ip, tc, bridge) and the in-kernel forwarding
// rules it installs for logged-in ports.
#pragma once

#include "wire.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <thread>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fcf {

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	Fd &operator=(Fd &&o) noexcept;
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd();
	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }

private:
	int fd_ = -1;
};

// Throws std::system_error naming WHAT and errno.
[[noreturn]] void throw_errno(const std::string &what);

struct CmdResult {
	int status = -1;	// exit status, or -1 if it could not run
	std::string out;	// stdout and stderr
};

// Runs ARGV (searching PATH plus /usr/sbin:/sbin) and waits for it.
CmdResult run_cmd(const std::vector<std::string> &argv);

// The bridge port a MAC address was learnt on, from the bridge's FDB.
std::optional<std::string> fdb_port_of(const std::string &bridge, const Mac &mac);

// In-kernel data plane: one tc u32 filter per logged-in FC_ID on a shared
// ingress block bound to every ENode-facing bridge port.  A matching FCoE
// frame (ethertype 0x8906, D_ID in the FC header) gets its destination MAC
// rewritten to the destination's FPMA and its source MAC to the FCF's MAC,
// and is redirected to the destination's bridge port, so it never passes
// the bridge (no MAC learning of the rewritten source) nor this process.
// Also keeps a static FDB entry for every FPMA so frames the FCF itself
// sends are never flooded.
//
// Rules are installed and removed by a worker thread, in order, so the
// FCF's protocol loop never waits for tc; until a rule is in place the FCF
// forwards that port's frames itself.  The destructor finishes the queue and
// then removes every rule and the ingress qdiscs.
class Offload {
public:
	enum class State { none, pending, kernel, userspace };

	Offload(std::string bridge, std::vector<std::string> ports, unsigned block, Mac fcf_mac,
		bool rules_enabled);
	Offload(const Offload &) = delete;
	Offload &operator=(const Offload &) = delete;
	~Offload();

	// Queues the rule for FC_ID, whose FPMA lives behind the bridge port
	// where ENODE's MAC was learnt.
	void add(std::uint32_t fc_id, const Mac &fpma, const Mac &enode);
	void remove(std::uint32_t fc_id);
	State state(std::uint32_t fc_id) const;
	// The bridge port ENODE sits behind, once the worker looked it up.
	std::string port_of(const Mac &enode) const;
	void forget_enode(const Mac &enode);
	bool rules_enabled() const { return rules_enabled_; }
	// Waits until the queue is empty (for tests and orderly shutdown).
	void drain();

private:
	struct Rule {
		unsigned pref = 0;
		Mac fpma;
		std::string port;
		State state = State::pending;
	};
	void run(std::stop_token st);
	void do_add(std::uint32_t fc_id, Mac fpma, Mac enode);
	void do_remove(std::uint32_t fc_id);
	std::string lookup_port(const Mac &enode);

	const std::string bridge_;
	const std::vector<std::string> ports_;
	std::vector<std::string> attached_;
	const unsigned block_;
	const Mac fcf_mac_;
	const bool rules_enabled_;
	unsigned next_pref_ = 100;	// worker only

	mutable std::mutex mu_;
	std::condition_variable_any cv_;
	std::deque<std::function<void()>> queue_;
	bool busy_ = false;
	std::map<std::uint32_t, Rule> rules_;
	std::map<Mac, std::string> enode_ports_;
	std::jthread worker_;	// last: stops first
};

}  // namespace fcf
