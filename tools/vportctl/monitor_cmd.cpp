// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl monitor: the kernel module's events as they happen, one line
// each (-j: one JSON object per line), like `ip monitor`. Ends cleanly on
// SIGINT or SIGTERM.
#include "cli.hpp"
#include "model_json.hpp"
#include "output.hpp"

#include <vport/monitor.hpp>

#include <atomic>
#include <csignal>
#include <iostream>

namespace vportctl {

namespace {

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int)
{
	stop_requested = 1;
}

// "2026-...Z lun-added vport 1 wwpn ... rport ... lun 3"
std::string event_line(const Json &j)
{
	std::string s = j["time"].get<std::string>() + " " + j["event"].get<std::string>();
	static const std::pair<const char *, const char *> keys[] = {
		{"vport_id", "vport"}, {"wwpn", "wwpn"},  {"rport", "rport"},
		{"lun", "lun"},        {"logged_in", "logged-in"}, {"event_number", "number"},
	};
	for (const auto &[key, label] : keys)
		if (auto it = j.find(key); it != j.end())
			s += std::string(" ") + label + " " + scalar_text(*it);
	return s;
}

int monitor(const Context &ctx, int count)
{
	struct sigaction sa{};
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; // no SA_RESTART: poll() returns EINTR
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);

	vport::EventMonitor mon;
	int seen = 0;
	while (!stop_requested && (count <= 0 || seen < count)) {
		auto ev = mon.next(std::chrono::milliseconds(-1));
		if (!ev)
			continue;
		Json j = event_json(*ev);
		if (ctx.json)
			std::cout << j.dump() << '\n';
		else
			std::cout << event_line(j) << '\n';
		std::cout.flush();
		seen++;
	}
	return exit_ok;
}

} // namespace

void add_monitor_commands(CLI::App &app, Context &ctx)
{
	auto *mon = app.add_subcommand(
		"monitor", "Print the module's events as they happen (vports created and deleted, login, "
			   "remote ports, LUNs, link); -j: one JSON object per line");
	auto count = std::make_shared<int>(0);
	mon->add_option("-c,--count", *count, "Exit after this many events (default: until SIGINT/SIGTERM)");
	mon->callback([&ctx, count] { ctx.action = [&ctx, count] { return monitor(ctx, *count); }; });
}

} // namespace vportctl
