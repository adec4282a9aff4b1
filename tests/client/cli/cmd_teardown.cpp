// teardown: stopping the device with I/O in flight.
//   close: close the fd while commands are queued; must return promptly.
//   clear: CLEAR_ENDPOINT while commands are queued; then every request the
//          device took is answered (used index == GET_VRING_BASE), and after
//          SET_ENDPOINT and a kick the rest is served too.
//          --stop-bad-target accepts the in-tree driver's window: its
//          vhost_scsi_clear_endpoint() clears vs_tpg[] before it detaches
//          the queues, so a request taken in between is answered BAD_TARGET
//          (not executed). The vport fd must answer every request GOOD.
#include <chrono>
#include <cstring>

#include "commands.hpp"

namespace vsc::cli {

void cmd_teardown(const Global &g, Report &r, const TeardownOpts &o)
{
	if (o.mode != "close" && o.mode != "clear")
		throw std::invalid_argument("teardown: --mode must be close or clear, not " + o.mode);
	Global gg = g;
	gg.queue_size = std::max<unsigned>(g.queue_size, o.depth);
	SessionOptions so = session_options(gg, o.queues);
	so.max_indirect = 4;
	Env env(gg, so);
	VirtioScsi &s = *env.s;
	GuestMemory &mem = env.mem;
	auto res = test_unit_ready(s, env.lun, g.timeout_ms);
	r.check("TEST UNIT READY", res.good(), res.str());
	auto cap = read_capacity(s, env.lun, g.timeout_ms);
	uint32_t blocks = std::min<uint32_t>(o.blocks, static_cast<uint32_t>(cap.last_lba + 1));

	// Used entries so far (the set-up commands above), not counted below.
	std::vector<uint16_t> used_before(o.queues);
	for (unsigned q = 0; q < o.queues; q++)
		used_before[q] = s.req(q).used_idx();

	// One data buffer per queue slot; reads and writes alternate.
	std::vector<std::unique_ptr<CommandSlot>> slots;
	unsigned total = 0;
	for (unsigned q = 0; q < o.queues; q++) {
		for (unsigned i = 0; i < o.depth; i++) {
			slots.push_back(std::make_unique<CommandSlot>(mem));
			uint64_t gpa = mem.alloc(uint64_t{blocks} * cap.block_size, 4096);
			Buf b{gpa, blocks * cap.block_size};
			uint64_t lba = (uint64_t{total} * blocks) % (cap.last_lba + 2 - blocks);
			bool write = total % 2;
			auto cdb = scsi::rw(write, lba, blocks);
			slots.back()->prepare(env.lun, cdb.bytes(), total + 1);
			if (slots.back()->add_to(s.req(q), write ? Dir::ToDevice : Dir::FromDevice, {&b, 1},
						 true, total) < 0)
				throw std::runtime_error("teardown: ring full");
			total++;
		}
	}
	for (unsigned q = 0; q < o.queues; q++)
		s.req(q).publish();
	r.info(fmt("%u commands of %u blocks queued on %u queues", total, blocks, o.queues));

	auto t0 = std::chrono::steady_clock::now();
	if (o.mode == "close") {
		int err = s.dev().close();
		double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
				    .count();
		r.check("close() with I/O in flight succeeds", err == 0, "errno " + errno_name(err));
		r.check("close() returns within 30 s", ms < 30000, fmt("%.0f ms", ms));
		unsigned used = 0;
		for (unsigned q = 0; q < o.queues; q++)
			used += static_cast<uint16_t>(s.req(q).used_idx() - used_before[q]);
		r.info(fmt("close took %.0f ms; %u of %u commands answered before it returned", ms,
			   used, total));
		return;
	}

	int err = s.dev().try_scsi_clear_endpoint(g.wwpn, g.tpgt);
	double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
			    .count();
	r.check("CLEAR_ENDPOINT with I/O in flight succeeds", err == 0, "errno " + errno_name(err));
	unsigned answered = 0, good = 0, bad_target = 0, other = 0;
	std::string first_other;
	auto tally = [&](const CmdResult &cr) {
		answered++;
		if (cr.good())
			good++;
		else if (cr.answered && cr.response == VIRTIO_SCSI_S_BAD_TARGET)
			bad_target++;
		else if (other++ == 0)
			first_other = cr.str();
	};
	for (unsigned q = 0; q < o.queues; q++) {
		SplitQueue &vq = s.req(q);
		unsigned base = 0;
		err = s.dev().try_get_vring_base(vq.index(), base);
		uint16_t used = vq.used_idx();
		r.check(fmt("queue %u: GET_VRING_BASE after CLEAR_ENDPOINT", q), err == 0,
			"errno " + errno_name(err));
		r.check(fmt("queue %u: every request taken is answered (used %u == base %u)", q, used,
			    base),
			used == static_cast<uint16_t>(base));
		while (auto u = vq.reap())
			tally(slots.at(u->cookie)->result(u->len));
	}
	const unsigned stop_bad_target = bad_target;
	if (o.stop_bad_target) {
		r.check("every answer given during the stop is GOOD or BAD_TARGET", good + bad_target == answered,
			fmt("%u GOOD, %u BAD_TARGET of %u%s%s", good, bad_target, answered,
			    other ? "; first other: " : "", first_other.c_str()));
	} else {
		r.check("every answer given during the stop is GOOD", good == answered,
			fmt("%u of %u%s%s", good, answered, other ? "; first other: " : "",
			    first_other.c_str()));
	}
	r.info(fmt("CLEAR_ENDPOINT took %.0f ms; %u of %u answered by then", ms, answered, total));

	// Restart: the rest is served.
	s.set_endpoint(g.wwpn, g.tpgt);
	for (unsigned q = 0; q < o.queues; q++)
		s.req(q).publish(true);
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(g.timeout_ms * 3);
	while (answered < total && std::chrono::steady_clock::now() < deadline) {
		bool any = false;
		for (unsigned q = 0; q < o.queues; q++)
			while (auto u = s.req(q).reap()) {
				any = true;
				tally(slots.at(u->cookie)->result(u->len));
			}
		if (!any)
			s.req(0).wait(50);
	}
	r.check("after SET_ENDPOINT every request is answered", answered == total,
		fmt("%u of %u", answered, total));
	if (o.stop_bad_target) {
		r.info(fmt("%u request(s) answered BAD_TARGET in the in-tree stop window", stop_bad_target));
		r.check("all GOOD but those answered BAD_TARGET during the stop",
			good + stop_bad_target == total && bad_target == stop_bad_target,
			fmt("%u GOOD + %u of %u", good, stop_bad_target, total));
	} else {
		r.check("all GOOD", good == total, fmt("%u of %u", good, total));
	}
	s.clear_endpoint();
}

} // namespace vsc::cli
