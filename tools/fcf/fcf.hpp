// The FC forwarder: FIP discovery and advertisements, fabric login (FLOGI,
// FDISC with NPIV, LOGO), the directory/name server, the fabric controller
// (SCR, RSCN), keep-alive supervision, the duplicate-WWPN policy and
// link control of the ENode-facing ports.  Frames for other ports are
// forwarded by the kernel rules Offload installs; the few that still reach
// this process are forwarded here by D_ID.
#pragma once

#include "sys.hpp"
#include "wire.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace fcf {

using Clock = std::chrono::steady_clock;

struct Config {
	std::string iface;		// the FCF's own interface (a bridge port's peer)
	std::string bridge;		// the bridge joining ENodes and the FCF
	std::vector<std::string> ports;	// ENode-facing bridge ports
	unsigned block = 4242;		// tc shared ingress block id
	bool offload = true;		// install in-kernel forwarding rules
	std::uint32_t fka_ms = 8000;	// advertisement / ENode keep-alive period
	std::uint32_t e_d_tov_ms = 2000;	// E_D_TOV given in FLOGI/FDISC/PLOGI ACC
	static constexpr std::uint32_t r_a_tov_ms = 10000;	// R_A_TOV given in FLOGI/FDISC ACC
	std::uint8_t domain = 0x01;	// FC_ID domain handed out
	std::uint64_t fabric_name = 0x10000000fcf00001ull;
	std::uint64_t switch_name = 0x20000000fcf00001ull;
	std::uint8_t priority = 128;
	std::string control;		// control socket path ("" = none)
};

struct ENode {
	Mac mac;
	std::uint8_t area = 0;	// FC_ID area byte for its ports
	std::uint64_t wwnn = 0;
	Clock::time_point last_ka;
	bool logged_in = false;	// has a fabric (FLOGI) login
};

struct Login {
	std::uint32_t fc_id = 0;
	std::uint64_t wwpn = 0, wwnn = 0;
	Mac enode;
	Mac fpma;
	bool npiv = false;	// FDISC rather than FLOGI
	bool scr = false;	// registered for state change notifications
	std::array<std::uint32_t, 8> fc4_types{};	// RFT_ID bitmap
	std::array<std::uint8_t, 256> fc4_features{};	// RFF_ID, by type
	std::string spn;	// symbolic port name
	Clock::time_point last_vn_ka;
};

class Fcf {
public:
	using SendFn = std::function<void(const Bytes &)>;

	// SEND must be callable from two threads (the protocol loop and the
	// advertiser).
	Fcf(Config cfg, Mac fcf_mac, SendFn send, std::unique_ptr<Offload> offload);
	~Fcf();
	Fcf(const Fcf &) = delete;
	Fcf &operator=(const Fcf &) = delete;

	// Handles one received Ethernet frame.
	void receive(const std::uint8_t *frame, std::size_t len);
	// Periodic work: keep-alive supervision.
	void tick(Clock::time_point now);
	// A control command ("link down PORT", "link up PORT", "status");
	// returns the reply text.
	std::string control(const std::string &line);

	const Mac &mac() const { return mac_; }
	std::uint64_t forwarded_in_userspace() const { return slow_forwarded_; }

private:
	// FIP
	void fip_receive(const std::uint8_t *f, std::size_t len);
	void fip_solicitation(const Mac &src, const std::uint8_t *desc, std::size_t dlen);
	void fip_keep_alive(const Mac &src, const std::uint8_t *desc, std::size_t dlen);
	void fip_els(const Mac &src, const std::uint8_t *desc, std::size_t dlen);
	void send_advertisement(const Mac &dst, bool solicited);
	void send_fip_els_reply(const Mac &enode, std::uint8_t dtype, const FcHeader &req,
				std::uint32_t d_id, const Bytes &payload, const Mac *granted);
	void send_cvl(const Mac &enode, const Login *login);

	// fabric login
	void fabric_login(ENode &en, std::uint8_t dtype, const FcHeader &fh,
			  const std::uint8_t *pl, std::size_t plen);
	void fabric_logo(const Mac *via_fip_enode, const FcHeader &fh, const std::uint8_t *pl,
			 std::size_t plen);
	void logout(std::uint32_t fc_id, const char *why, bool notify = true);
	void logout_enode(const Mac &enode, const char *why);
	std::uint32_t alloc_fc_id(const ENode &en, bool npiv) const;
	ENode &enode_for(const Mac &mac);

	// FCoE
	void fcoe_receive(const std::uint8_t *f, std::size_t len);
	void forward(const std::uint8_t *f, std::size_t len, const Login &dst);
	void name_server(const FcHeader &fh, const std::uint8_t *pl, std::size_t plen);
	void fabric_controller(const FcHeader &fh, const std::uint8_t *pl, std::size_t plen);
	void send_fc(const FcHeader &fh, const Bytes &payload);
	void reply(const FcHeader &req, std::uint8_t r_ctl, std::uint8_t type,
		   const Bytes &payload);
	void reply_ls_rjt(const FcHeader &req, std::uint8_t reason, std::uint8_t explan);
	void send_rscn(std::uint32_t affected);

	Bytes flogi_acc(std::uint16_t mfs) const;
	Bytes plogi_acc(std::uint64_t wwpn, std::uint64_t wwnn) const;
	Login *find_wwpn(std::uint64_t wwpn);
	Login *find_fc_id(std::uint32_t fc_id);

	// control
	std::string link(const std::string &port, bool up);
	std::string status() const;

	Config cfg_;
	Mac mac_;
	SendFn send_;
	std::unique_ptr<Offload> offload_;
	std::map<Mac, ENode> enodes_;
	std::map<std::uint32_t, Login> logins_;
	std::set<std::string> ports_down_;
	std::uint16_t next_xid_ = 0x1000;
	std::uint64_t slow_forwarded_ = 0;
	// Sends the periodic multicast advertisements, twice per FKA period, on
	// its own so that nothing the protocol loop waits for can delay them
	// (ENodes drop an FCF after 2.5 periods without one).
	std::mutex adv_mu_;
	std::condition_variable_any adv_cv_;
	std::jthread advertiser_;	// last: stops first
};

}  // namespace fcf
