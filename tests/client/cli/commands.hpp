// The vsclient subcommands. Each returns normally after recording its checks
// in the report; the exit status comes from Report::finish().
#pragma once

#include <set>
#include <string>

#include "common.hpp"

namespace vsc::cli {

void cmd_abi(const Global &g, Report &r);
struct SmokeOpts {
	uint64_t expect_blocks = 0; // 0: do not check the capacity
};
void cmd_smoke(const Global &g, Report &r, const SmokeOpts &o);
void cmd_tmf(const Global &g, Report &r);
struct AbortOpts {
	// The target answers slowly (a test delays its frames), so tasks are
	// surely in flight when the query comes: QUERY TASK must find them.
	bool expect_inflight = false;
	uint32_t blocks = 128; // per read
	int tmf_timeout_ms = 90000;
};
void cmd_abort(const Global &g, Report &r, const AbortOpts &o);
struct EventOpts {
	std::string ready_file;	  // created once the event queue is armed
	unsigned expect = 0;	  // hotplug events to wait for
	int wait_ms = 30000;	  // how long to wait for them
};
void cmd_events(const Global &g, Report &r, const EventOpts &o);

struct RwOpts {
	unsigned queues = 1;
	unsigned depth = 16;	  // commands in flight per queue
	uint64_t count = 1000;	  // commands in total
	uint32_t max_blocks = 256; // per command
	unsigned max_segs = 16;	  // data segments per command
	bool verify = false;
	bool indirect = true;	  // data chains through indirect tables
	int write_pct = 50;
	uint64_t seed = 1;
	uint64_t span_blocks = 0; // LBAs used (0: whole LUN)
	unsigned threads = 1;	  // submitting/reaping threads (queues are split between them)
};
void cmd_rw(const Global &g, Report &r, const RwOpts &o);

struct HostileOpts {
	std::string only; // run only cases whose name contains this
	int settle_ms = 1000;
	// Cases whose verdict is reported but not asserted: known deviations of
	// the backend under test (the in-tree driver's bugs).
	std::set<std::string> lenient;
};
void cmd_hostile(const Global &g, Report &r, const HostileOpts &o);

struct DirtyOpts {
	std::string expect_data = "any";  // yes | no | any: data-in pages logged
	std::string expect_resp = "any";  // yes | no | any: response header pages logged
};
void cmd_dirtylog(const Global &g, Report &r, const DirtyOpts &o);

struct TeardownOpts {
	std::string mode = "close"; // close | clear
	unsigned queues = 2;
	unsigned depth = 32;
	uint32_t blocks = 256;
	bool stop_bad_target = false; // accept in-tree's BAD_TARGET window
};
void cmd_teardown(const Global &g, Report &r, const TeardownOpts &o);

} // namespace vsc::cli
