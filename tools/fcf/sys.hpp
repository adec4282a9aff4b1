// Small RAII wrappers around the kernel objects the forwarder uses: file
// descriptors, child commands (ip, tc, bridge) and the in-kernel forwarding
// rules it installs for logged-in ports.
#pragma once

#include "wire.hpp"

#include <map>
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
// sends are never flooded.  Everything is removed again by the destructor.
class Offload {
public:
	Offload(std::string bridge, std::vector<std::string> ports, unsigned block, Mac fcf_mac,
		bool rules_enabled);
	Offload(const Offload &) = delete;
	Offload &operator=(const Offload &) = delete;
	~Offload();

	// Installs the rule for FC_ID (whose FPMA lives behind PORT). Returns
	// false (and logs) if the kernel refused it.
	bool add(std::uint32_t fc_id, const Mac &fpma, const std::string &port);
	void remove(std::uint32_t fc_id);
	bool has_rule(std::uint32_t fc_id) const { return rules_.contains(fc_id); }
	bool rules_enabled() const { return rules_enabled_; }

private:
	struct Rule {
		unsigned pref;
		Mac fpma;
		std::string port;
	};
	std::string bridge_;
	std::vector<std::string> ports_;
	std::vector<std::string> attached_;
	unsigned block_;
	Mac fcf_mac_;
	bool rules_enabled_;
	std::map<std::uint32_t, Rule> rules_;
	unsigned next_pref_ = 100;
};

}  // namespace fcf
