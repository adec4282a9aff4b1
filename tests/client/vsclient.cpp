// vsclient: a userspace vhost-scsi client that plays QEMU and the guest
// driver. Every subcommand prints what it checked and exits 0 only if every
// check held (1: a check failed, 2: usage or set-up error).
//
//   vsclient --dev /dev/vhost-scsi --wwpn naa.X smoke
//   vsclient --fd 3 --wwpn naa.X rw --queues 4 --depth 16 --count 2000 --verify
//   vsclient --wwpn naa.X hostile --record out.txt
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.hpp"

using namespace vsc;
using namespace vsc::cli;

int main(int argc, char **argv)
{
	CLI::App app{"vhost-scsi test client: plays QEMU and the virtio-scsi guest driver"};
	app.require_subcommand(1);
	app.fallthrough(); // global options may also follow the subcommand
	Global g;
	auto *dev = app.add_option("--dev", g.dev, "vhost device to open")->capture_default_str();
	app.add_option("--fd", g.fd, "use this already open vhost fd instead of --dev")->excludes(dev);
	app.add_option("--wwpn", g.wwpn, "endpoint WWPN (e.g. naa.5001405000000001)");
	app.add_option("--tpgt", g.tpgt, "vhost_tpgt of the endpoint")->capture_default_str();
	app.add_option("--target", g.target, "virtio target id (in-tree: the TPGT)")
		->capture_default_str();
	app.add_option("--lun", g.lun, "LUN under test")->capture_default_str();
	app.add_option("--mem", g.mem_mib, "guest memory in MiB")->capture_default_str();
	app.add_option("--queue-size", g.queue_size, "virtqueue size")->capture_default_str();
	app.add_flag("--no-event-idx", g.no_event_idx, "do not negotiate VIRTIO_RING_F_EVENT_IDX");
	app.add_flag("--no-indirect", g.no_indirect, "do not negotiate INDIRECT_DESC");
	app.add_option("--timeout-ms", g.timeout_ms, "per-command time-out")->capture_default_str();
	app.add_option("--record", g.record, "write observations (key = value) to this file");
	app.add_flag("--resid-unreported", g.resid_unreported,
		     "the fabric driver reports no residuals (software FCoE): accept 0");

	auto *abi = app.add_subcommand("abi", "ioctl-level checks of the vhost-scsi ABI");
	SmokeOpts so;
	auto *smoke = app.add_subcommand("smoke", "TUR, INQUIRY, VPD 0x83, READ CAPACITY, REPORT LUNS");
	smoke->add_option("--expect-blocks", so.expect_blocks, "expected capacity in blocks");
	auto *tmf = app.add_subcommand("tmf", "task management and AN queries on the control queue");
	AbortOpts ao;
	auto *abort_cmd = app.add_subcommand(
		"abort", "ABORT TASK, ABORT TASK SET and QUERY TASK on reads in flight");
	abort_cmd->add_flag("--expect-inflight", ao.expect_inflight,
			    "the target is slow: queries must find the reads in flight");
	abort_cmd->add_option("--blocks", ao.blocks, "blocks per read")->capture_default_str();
	abort_cmd->add_option("--tmf-timeout-ms", ao.tmf_timeout_ms, "time-out of an abort")
		->capture_default_str();
	EventOpts eo;
	auto *events = app.add_subcommand("events", "event queue: missed events and hotplug");
	events->add_option("--expect-hotplug", eo.expect, "hotplug events to wait for");
	events->add_option("--ready-file", eo.ready_file, "created when ready for hotplug");
	events->add_option("--wait-ms", eo.wait_ms, "how long to wait for hotplug events");
	RwOpts ro;
	auto *rw = app.add_subcommand("rw", "verified reads and writes, many in flight");
	rw->add_option("--queues", ro.queues, "request queues")->capture_default_str();
	rw->add_option("--depth", ro.depth, "commands in flight per queue")->capture_default_str();
	rw->add_option("--count", ro.count, "commands in total")->capture_default_str();
	rw->add_option("--max-blocks", ro.max_blocks, "blocks per command at most")
		->capture_default_str();
	rw->add_option("--max-segs", ro.max_segs, "data segments per command at most")
		->capture_default_str();
	rw->add_option("--write-pct", ro.write_pct, "share of writes")->capture_default_str();
	rw->add_option("--seed", ro.seed, "random seed")->capture_default_str();
	rw->add_option("--span", ro.span_blocks, "use only the first N blocks");
	rw->add_option("--threads", ro.threads, "threads; queues are split between them")
		->capture_default_str();
	rw->add_flag("--verify", ro.verify, "check data read against what was written");
	bool direct = false;
	rw->add_flag("--direct", direct, "direct descriptor chains instead of indirect tables");
	HostileOpts ho;
	auto *hostile = app.add_subcommand("hostile", "malformed chains and requests");
	hostile->add_option("--only", ho.only, "run only cases whose name contains this");
	hostile->add_option("--settle-ms", ho.settle_ms, "wait for an answer this long")
		->capture_default_str();
	hostile->add_option("--lenient", ho.lenient,
			    "cases whose verdict is reported, not asserted (known deviations)")
		->delimiter(',');
	DirtyOpts dopt;
	auto *dirty = app.add_subcommand("dirtylog", "dirty-page logging (VHOST_F_LOG_ALL)");
	dirty->add_option("--expect-data", dopt.expect_data, "data-in pages logged: yes|no|any")
		->capture_default_str();
	dirty->add_option("--expect-resp", dopt.expect_resp,
			  "response and event buffer pages logged: yes|no|any")
		->capture_default_str();
	TeardownOpts to;
	auto *teardown = app.add_subcommand("teardown", "close or CLEAR_ENDPOINT with I/O in flight");
	teardown->add_option("--mode", to.mode, "close | clear")->capture_default_str();
	teardown->add_option("--queues", to.queues, "request queues")->capture_default_str();
	teardown->add_option("--depth", to.depth, "commands per queue")->capture_default_str();
	teardown->add_option("--blocks", to.blocks, "blocks per command")->capture_default_str();
	teardown->add_flag("--stop-bad-target", to.stop_bad_target,
			   "clear: accept BAD_TARGET for requests taken during CLEAR_ENDPOINT "
			   "(the in-tree driver's window)");

	CLI11_PARSE(app, argc, argv);
	ro.indirect = !direct;

	Report r;
	std::string name = app.get_subcommands().front()->get_name();
	try {
		if (name != "abi" && g.wwpn.empty())
			throw std::invalid_argument("--wwpn is required");
		if (*abi) {
			if (g.wwpn.empty())
				throw std::invalid_argument("--wwpn is required");
			cmd_abi(g, r);
		} else if (*smoke)
			cmd_smoke(g, r, so);
		else if (*tmf)
			cmd_tmf(g, r);
		else if (*abort_cmd)
			cmd_abort(g, r, ao);
		else if (*events)
			cmd_events(g, r, eo);
		else if (*rw)
			cmd_rw(g, r, ro);
		else if (*hostile)
			cmd_hostile(g, r, ho);
		else if (*dirty)
			cmd_dirtylog(g, r, dopt);
		else if (*teardown)
			cmd_teardown(g, r, to);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "vsclient %s: %s\n", name.c_str(), e.what());
		r.check("completed without an error", false, e.what());
		r.finish(name);
		return 2;
	}
	if (!g.record.empty())
		r.write_record(g.record);
	return r.finish(name);
}
