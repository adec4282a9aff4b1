// vport-fcf: a software FCoE forwarder (FCF) for testing Linux FC code.
// See --help and tools/san/vport-san, which runs it.

#include "fcf.hpp"
#include "log.hpp"
#include "sys.hpp"

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

using namespace fcf;

namespace {

Mac iface_mac(const std::string &iface)
{
	std::ifstream f("/sys/class/net/" + iface + "/address");
	std::string s;
	if (!(f >> s))
		throw std::runtime_error("interface " + iface + ": cannot read its MAC address");
	return Mac::parse(s);
}

Fd packet_socket(const std::string &iface, int &ifindex)
{
	ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
	if (!ifindex)
		throw_errno("interface " + iface);
	Fd s(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
	if (!s)
		throw_errno("AF_PACKET socket");
	// Bursts of frames must not be dropped before we read them.
	int rcvbuf = 64 << 20;
	if (setsockopt(s.get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		throw_errno("SO_RCVBUFFORCE on the packet socket of " + iface);
	int one = 1;
	setsockopt(s.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
	sockaddr_ll sll{};
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(s.get(), reinterpret_cast<sockaddr *>(&sll), sizeof sll) < 0)
		throw_errno("bind packet socket to " + iface);
	return s;
}

Fd control_socket(const std::string &path)
{
	Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (!s)
		throw_errno("control socket");
	sockaddr_un sun{};
	sun.sun_family = AF_UNIX;
	if (path.size() >= sizeof sun.sun_path)
		throw std::runtime_error("control socket path too long: " + path);
	std::strcpy(sun.sun_path, path.c_str());
	::unlink(path.c_str());
	if (bind(s.get(), reinterpret_cast<sockaddr *>(&sun), sizeof sun) < 0)
		throw_errno("bind control socket " + path);
	if (listen(s.get(), 8) < 0)
		throw_errno("listen on control socket " + path);
	return s;
}

void serve_control(Fcf &fcf, int lfd)
{
	Fd c(::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC));
	if (!c)
		return;
	std::string line;
	char buf[512];
	pollfd p{c.get(), POLLIN, 0};
	while (line.find('\n') == std::string::npos && line.size() < 4096) {
		if (poll(&p, 1, 2000) <= 0)
			break;
		ssize_t n = ::read(c.get(), buf, sizeof buf);
		if (n <= 0)
			break;
		line.append(buf, static_cast<std::size_t>(n));
	}
	if (auto nl = line.find('\n'); nl != std::string::npos)
		line.resize(nl);
	std::string out = fcf.control(line);
	std::size_t off = 0;
	while (off < out.size()) {
		ssize_t n = ::write(c.get(), out.data() + off, out.size() - off);
		if (n <= 0)
			break;
		off += static_cast<std::size_t>(n);
	}
}

int client(const std::string &path, const std::string &request)
{
	try {
		Fd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (!s)
			throw_errno("socket");
		sockaddr_un sun{};
		sun.sun_family = AF_UNIX;
		if (path.size() >= sizeof sun.sun_path)
			throw std::runtime_error("control socket path too long: " + path);
		std::strcpy(sun.sun_path, path.c_str());
		if (connect(s.get(), reinterpret_cast<sockaddr *>(&sun), sizeof sun) < 0)
			throw_errno("connect to the FCF's control socket " + path);
		std::string line = request + "\n";
		if (::write(s.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
			throw_errno("write to " + path);
		std::string out;
		char buf[4096];
		ssize_t n;
		while ((n = ::read(s.get(), buf, sizeof buf)) > 0)
			out.append(buf, static_cast<std::size_t>(n));
		std::fputs(out.c_str(), stdout);
		return out.starts_with("error:") || out.empty() ? 1 : 0;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "vport-fcf: %s\n", e.what());
		return 1;
	}
}

}  // namespace

int main(int argc, char **argv)
{
	Config cfg;
	bool no_offload = false, verbose_flag = false;
	std::string ports;
	CLI::App app{
		"vport-fcf: a software FCoE forwarder (FC-BB-5 FCF) for libfc/fcoe ENodes on a\n"
		"Linux bridge.  It answers FIP discovery, grants FLOGI and FDISC (NPIV) with\n"
		"fabric-provided MACs 0E:FC:00:<N_Port ID>, runs the name server (0xFFFFFC) and\n"
		"fabric controller (SCR, RSCN), supervises FIP keep-alives and rejects a WWPN\n"
		"that is already logged in through another ENode (logged as 'duplicate WWPN').\n"
		"Frames between ports are forwarded in the kernel: per logged-in N_Port ID a tc\n"
		"u32 filter on a shared ingress block of the ENode-facing bridge ports rewrites\n"
		"the MACs (pedit) and redirects the frame (mirred) to the destination port.\n"
		"Control socket commands (one line): 'status', 'link down PORT', 'link up PORT'\n"
		"(PORT is one of --ports; down logs out its ports and sets the bridge port down).\n"
		"Logs go to stdout; SIGTERM/SIGINT remove every rule it installed and exit."};
	app.add_option("-i,--interface", cfg.iface, "the FCF's own interface (its peer is a bridge port)")
		->required();
	app.add_option("-b,--bridge", cfg.bridge, "the bridge joining the ENodes and the FCF")
		->required();
	app.add_option("-p,--ports", ports, "comma-separated ENode-facing bridge ports")->required();
	app.add_option("--block", cfg.block, "tc shared ingress block id")->capture_default_str();
	app.add_option("--fka", cfg.fka_ms, "advertisement/keep-alive period in ms")
		->capture_default_str()
		->check(CLI::Range(1000u, 90000u));
	app.add_option("--e-d-tov", cfg.e_d_tov_ms,
		       "E_D_TOV in ms given to the ports in FLOGI/FDISC/PLOGI accepts; libfc "
		       "sends REC for a command unanswered after E_D_TOV + 1 s")
		->capture_default_str()
		->check(CLI::Range(1000u, fcf::Config::r_a_tov_ms - 1));
	app.add_option("-c,--control", cfg.control, "control socket path");
	app.add_flag("--no-offload", no_offload,
		     "forward frames between ports in userspace instead of the kernel (slow)");
	app.add_flag("-v,--verbose", verbose_flag, "log every frame handled");
	std::string request;
	app.add_option("--request", request,
		       "client mode: send this command to the running FCF's control socket (-c), "
		       "print its reply and exit (non-zero if it reports an error)");
	for (int i = 1; i < argc; i++)
		if (std::string(argv[i]) == "--request" || std::string(argv[i]).starts_with("--request="))
			for (auto *o : app.get_options())
				o->required(false);
	CLI11_PARSE(app, argc, argv);
	if (!request.empty()) {
		if (cfg.control.empty()) {
			std::fprintf(stderr, "vport-fcf: --request needs -c/--control PATH\n");
			return 2;
		}
		return client(cfg.control, request);
	}
	set_verbose(verbose_flag);
	cfg.offload = !no_offload;
	for (std::size_t pos = 0; pos <= ports.size();) {
		auto comma = ports.find(',', pos);
		if (comma == std::string::npos)
			comma = ports.size();
		if (comma > pos)
			cfg.ports.push_back(ports.substr(pos, comma - pos));
		pos = comma + 1;
	}

	try {
		sigset_t mask;
		sigemptyset(&mask);
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGHUP);
		sigprocmask(SIG_BLOCK, &mask, nullptr);
		std::signal(SIGPIPE, SIG_IGN);
		Fd sfd(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
		if (!sfd)
			throw_errno("signalfd");

		Mac mac = iface_mac(cfg.iface);
		int ifindex = 0;
		Fd sock = packet_socket(cfg.iface, ifindex);
		Fd ctl;
		if (!cfg.control.empty())
			ctl = control_socket(cfg.control);
		auto offload =
			std::make_unique<Offload>(cfg.bridge, cfg.ports, cfg.block, mac, cfg.offload);

		sockaddr_ll to{};
		to.sll_family = AF_PACKET;
		to.sll_ifindex = ifindex;
		to.sll_halen = 6;
		// Called from the protocol loop and the advertiser thread.
		auto send = [&sock, to, &cfg](const Bytes &frame) {
			sockaddr_ll dst = to;
			std::copy(frame.begin(), frame.begin() + 6, dst.sll_addr);
			if (sendto(sock.get(), frame.data(), frame.size(), 0,
				   reinterpret_cast<sockaddr *>(&dst), sizeof dst) < 0)
				logf("send on %s: %s", cfg.iface.c_str(), std::strerror(errno));
		};
		Fcf fcf(cfg, mac, send, std::move(offload));

		Fd tfd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
		itimerspec its{};
		its.it_value.tv_nsec = 1;
		its.it_interval.tv_nsec = 250 * 1000 * 1000;
		timerfd_settime(tfd.get(), 0, &its, nullptr);

		logf("FCF %s on %s (bridge %s, ports %s), offload %s, control %s", mac.str().c_str(),
		     cfg.iface.c_str(), cfg.bridge.c_str(), ports.c_str(), cfg.offload ? "on" : "off",
		     cfg.control.empty() ? "none" : cfg.control.c_str());

		std::vector<std::uint8_t> buf(65536);
		for (;;) {
			pollfd fds[4] = {{sock.get(), POLLIN, 0},
					 {tfd.get(), POLLIN, 0},
					 {sfd.get(), POLLIN, 0},
					 {ctl.get(), POLLIN, 0}};
			int n = poll(fds, ctl ? 4 : 3, -1);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				throw_errno("poll");
			}
			if (fds[2].revents) {
				signalfd_siginfo si{};
				if (::read(sfd.get(), &si, sizeof si) > 0) {
					logf("signal %u: removing forwarding rules and exiting", si.ssi_signo);
					break;
				}
			}
			if (fds[0].revents) {
				for (int i = 0; i < 256; i++) {
					sockaddr_ll from{};
					socklen_t fl = sizeof from;
					ssize_t len = recvfrom(sock.get(), buf.data(), buf.size(), 0,
							       reinterpret_cast<sockaddr *>(&from), &fl);
					if (len < 0)
						break;
					if (from.sll_pkttype == PACKET_OUTGOING)
						continue;
					fcf.receive(buf.data(), static_cast<std::size_t>(len));
				}
			}
			if (fds[1].revents) {
				std::uint64_t ticks;
				if (::read(tfd.get(), &ticks, sizeof ticks) > 0)
					fcf.tick(Clock::now());
			}
			if (ctl && fds[3].revents)
				serve_control(fcf, ctl.get());
		}
		if (!cfg.control.empty())
			::unlink(cfg.control.c_str());
	} catch (const std::exception &e) {
		logf("fatal: %s", e.what());
		return 1;
	}
	return 0;
}
