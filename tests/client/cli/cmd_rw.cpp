// rw: many commands in flight on several request queues, scattered buffers,
// optionally indirect, with the data verified. The hot loop allocates nothing.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <atomic>
#include <exception>
#include <poll.h>
#include <thread>

#include "commands.hpp"

namespace vsc::cli {

namespace {

struct Slot {
	std::unique_ptr<CommandSlot> cmd;
	std::vector<Buf> segs; // the slot's data buffer, max_blocks long
	std::array<Buf, 256> use{};
	uint64_t stripe_lba = 0, stripe_len = 0;
	unsigned queue = 0;
	// the command in flight
	bool busy = false, write = false;
	uint64_t lba = 0;
	uint32_t blocks = 0;
	size_t nuse = 0;
};

} // namespace

void cmd_rw(const Global &g, Report &r, const RwOpts &o)
{
	if (o.queues == 0 || o.depth == 0)
		throw std::invalid_argument("rw: --queues and --depth must be positive");
	if (o.max_segs == 0 || o.max_segs > 254)
		throw std::invalid_argument("rw: --max-segs must be 1..254");
	Global gg = g;
	unsigned per_cmd = o.indirect ? 1 : o.max_segs + 2;
	gg.queue_size = std::max<unsigned>(g.queue_size, 1);
	if (o.depth * per_cmd > gg.queue_size)
		throw std::invalid_argument(fmt("rw: depth %u needs %u descriptors per queue, ring has %u",
						o.depth, o.depth * per_cmd, gg.queue_size));
	SessionOptions so = session_options(gg, o.queues);
	so.max_indirect = static_cast<uint16_t>(o.max_segs + 2);
	Env env(gg, so);
	VirtioScsi &s = *env.s;
	GuestMemory &mem = env.mem;
	r.info("features " + feature_names(s.features()));
	if (o.indirect)
		r.check("INDIRECT_DESC negotiated", s.has(VIRTIO_RING_F_INDIRECT_DESC));

	auto res = test_unit_ready(s, env.lun, g.timeout_ms);
	r.check("TEST UNIT READY", res.good(), res.str());

	auto cap = read_capacity(s, env.lun, g.timeout_ms);
	const uint32_t bs = cap.block_size;
	uint64_t span = cap.last_lba + 1;
	if (o.span_blocks)
		span = std::min(span, o.span_blocks);
	const unsigned nslots = o.queues * o.depth;
	uint64_t stripe = span / nslots;
	if (stripe == 0)
		throw std::runtime_error(fmt("rw: %llu blocks cannot be shared by %u slots",
					     (unsigned long long)span, nslots));
	uint32_t max_blocks = static_cast<uint32_t>(std::min<uint64_t>(o.max_blocks, stripe));
	uint64_t need = uint64_t{nslots} * max_blocks * bs;
	if (need * 2 > mem.free_bytes(0) + mem.free_bytes(1))
		throw std::runtime_error(fmt("rw: %u slots of %u blocks need %llu MiB of guest memory; "
					     "raise --mem",
					     nslots, max_blocks, (unsigned long long)(need * 2 >> 20)));
	r.info(fmt("%llu blocks of %u, %u queues x %u deep, up to %u blocks in up to %u segments, %s",
		   (unsigned long long)span, bs, o.queues, o.depth, max_blocks, o.max_segs,
		   o.indirect ? "indirect" : "direct"));

	std::mt19937_64 rng(o.seed);
	std::vector<Slot> slots(nslots);
	for (unsigned i = 0; i < nslots; i++) {
		Slot &sl = slots[i];
		sl.cmd = std::make_unique<CommandSlot>(mem);
		unsigned nseg = 1 + static_cast<unsigned>(rng() % o.max_segs);
		sl.segs = scatter(mem, uint64_t{max_blocks} * bs, nseg, rng, bs);
		sl.stripe_lba = uint64_t{i} * stripe;
		sl.stripe_len = stripe;
		sl.queue = i % o.queues;
	}
	std::vector<uint32_t> gen(span, 0); // per block: generation last written (0: unknown)
	std::vector<uint64_t> done_per_q(o.queues, 0);
	const uint64_t seed = o.seed * 0x100000001b3ull;
	std::atomic<uint64_t> budget{0}; // commands issued so far, all workers

	// One worker per thread; worker w drives the queues q with q % threads == w.
	// Slots, stripes and queues are disjoint between workers: no locking.
	struct Worker {
		std::vector<unsigned> queues;
		std::vector<pollfd> pfds;
		std::mt19937_64 rng;
		uint64_t submitted = 0, completed = 0, bad = 0, verified = 0, mismatches = 0;
		uint64_t bytes = 0, writes = 0, reads = 0;
		std::string first_bad, first_mismatch;
		bool stalled = false;
	};
	unsigned nthreads = std::clamp<unsigned>(o.threads, 1, o.queues);
	std::vector<Worker> workers(nthreads);
	for (unsigned q = 0; q < o.queues; q++) {
		Worker &w = workers[q % nthreads];
		w.queues.push_back(q);
		w.pfds.push_back({s.req(q).call_fd().fd(), POLLIN, 0});
	}
	for (unsigned t = 0; t < nthreads; t++)
		workers[t].rng.seed(o.seed * 1000003 + t);

	auto run = [&](Worker &w) {
		auto submit = [&](unsigned i) -> bool {
			if (budget.fetch_add(1, std::memory_order_relaxed) >= o.count)
				return false;
			Slot &sl = slots[i];
			sl.blocks = 1 + static_cast<uint32_t>(w.rng() % max_blocks);
			sl.lba = sl.stripe_lba + w.rng() % (sl.stripe_len - sl.blocks + 1);
			sl.write = static_cast<int>(w.rng() % 100) < o.write_pct;
			// Use a prefix of the slot's segments, trimmed to the length.
			uint64_t left = uint64_t{sl.blocks} * bs;
			sl.nuse = 0;
			for (const Buf &b : sl.segs) {
				if (!left)
					break;
				uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(b.len, left));
				sl.use[sl.nuse++] = {b.gpa, n};
				left -= n;
			}
			if (sl.write) {
				uint64_t lba = sl.lba;
				for (size_t k = 0; k < sl.nuse; k++)
					for (uint32_t off = 0; off < sl.use[k].len; off += bs, lba++)
						fill_block(mem.bytes(sl.use[k].gpa + off, bs), bs, lba,
							   gen[lba] + 1, seed);
			} else if (o.verify) {
				for (size_t k = 0; k < sl.nuse; k++)
					std::memset(mem.bytes(sl.use[k].gpa, sl.use[k].len), 0xdb,
						    sl.use[k].len);
			}
			auto cdb = scsi::rw(sl.write, sl.lba, sl.blocks);
			sl.cmd->prepare(env.lun, cdb.bytes(), ++w.submitted);
			if (sl.cmd->add_to(s.req(sl.queue), sl.write ? Dir::ToDevice : Dir::FromDevice,
					   {sl.use.data(), sl.nuse}, o.indirect, i) < 0)
				throw std::runtime_error("rw: ring full (internal error)");
			sl.busy = true;
			return true;
		};

		auto complete = [&](unsigned i, uint32_t used_len) {
			Slot &sl = slots[i];
			sl.busy = false;
			w.completed++;
			done_per_q[sl.queue]++;
			CmdResult cr = sl.cmd->result(used_len);
			if (!cr.good() || cr.resid != 0) {
				if (!w.bad++)
					w.first_bad = fmt("%s lba %llu blocks %u: ", sl.write ? "write" : "read",
							  (unsigned long long)sl.lba, sl.blocks) +
						      cr.str();
				return;
			}
			w.bytes += uint64_t{sl.blocks} * bs;
			if (sl.write) {
				w.writes++;
				for (uint32_t k = 0; k < sl.blocks; k++)
					gen[sl.lba + k]++;
				return;
			}
			w.reads++;
			if (!o.verify)
				return;
			uint64_t lba = sl.lba;
			for (size_t k = 0; k < sl.nuse; k++)
				for (uint32_t off = 0; off < sl.use[k].len; off += bs, lba++) {
					if (!gen[lba])
						continue;
					w.verified++;
					size_t at = check_block(mem.bytes(sl.use[k].gpa + off, bs), bs, lba,
								gen[lba], seed);
					if (at && !w.mismatches++)
						w.first_mismatch =
							fmt("lba %llu gen %u: byte %zu differs (segment %zu of %zu)",
							    (unsigned long long)lba, gen[lba], at - 1, k, sl.nuse);
				}
		};

		for (unsigned i = 0; i < nslots; i++)
			if (slots[i].queue % nthreads == w.queues.front() % nthreads)
				submit(i);
		for (unsigned q : w.queues)
			s.req(q).publish();

		while (w.completed < w.submitted) {
			bool any = false;
			for (unsigned q : w.queues) {
				SplitQueue &vq = s.req(q);
				while (auto u = vq.reap()) {
					any = true;
					if (!u->owned) {
						if (!w.bad++)
							w.first_bad = fmt("queue %u: used id %u is not in flight", q, u->id);
						continue;
					}
					unsigned i = static_cast<unsigned>(u->cookie);
					complete(i, u->len);
					submit(i);
				}
				vq.publish();
			}
			if (any)
				continue;
			// Nothing used: arm the queues, then sleep on their call eventfds.
			bool pending = false;
			for (unsigned q : w.queues) {
				s.req(q).arm();
				pending |= s.req(q).used_idx() != s.req(q).last_used();
			}
			if (pending)
				continue;
			int n = ::poll(w.pfds.data(), w.pfds.size(), g.timeout_ms);
			if (n == 0) {
				w.stalled = true;
				break;
			}
			for (size_t k = 0; k < w.queues.size(); k++)
				if (w.pfds[k].revents)
					s.req(w.queues[k]).call_fd().consume();
		}
	};

	auto t0 = std::chrono::steady_clock::now();
	if (nthreads == 1) {
		run(workers[0]);
	} else {
		std::vector<std::thread> threads;
		std::vector<std::exception_ptr> errors(nthreads);
		for (unsigned t = 0; t < nthreads; t++)
			threads.emplace_back([&, t] {
				try {
					run(workers[t]);
				} catch (...) {
					errors[t] = std::current_exception();
				}
			});
		for (auto &t : threads)
			t.join();
		for (auto &e : errors)
			if (e)
				std::rethrow_exception(e);
	}
	uint64_t submitted = 0, completed = 0, bad = 0, verified = 0, mismatches = 0;
	uint64_t bytes = 0, writes = 0, reads = 0;
	std::string first_bad, first_mismatch;
	bool stalled = false;
	for (const Worker &w : workers) {
		submitted += w.submitted;
		completed += w.completed;
		bad += w.bad;
		verified += w.verified;
		mismatches += w.mismatches;
		bytes += w.bytes;
		writes += w.writes;
		reads += w.reads;
		stalled |= w.stalled;
		if (first_bad.empty())
			first_bad = w.first_bad;
		if (first_mismatch.empty())
			first_mismatch = w.first_mismatch;
	}
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

	r.check("no stall (every command answered within the time-out)", !stalled,
		fmt("%llu of %llu answered", (unsigned long long)completed,
		    (unsigned long long)submitted));
	r.check("all commands completed", completed == o.count,
		fmt("%llu of %llu", (unsigned long long)completed, (unsigned long long)o.count));
	r.check("every command GOOD with no residual", bad == 0,
		fmt("%llu bad%s%s", (unsigned long long)bad, bad ? ", first: " : "", first_bad.c_str()));
	std::string perq;
	for (unsigned q = 0; q < o.queues; q++) {
		perq += fmt("%s%llu", q ? "/" : "", (unsigned long long)done_per_q[q]);
		r.check(fmt("queue %u served commands", q), done_per_q[q] > 0);
	}
	if (o.verify) {
		r.check("read data verified", mismatches == 0,
			fmt("%llu blocks verified, %llu mismatched%s%s", (unsigned long long)verified,
			    (unsigned long long)mismatches, mismatches ? "; first: " : "",
			    first_mismatch.c_str()));
		if (reads)
			r.check("some read blocks were verified", verified > 0);
	}
	uint64_t kicks = 0;
	for (unsigned q = 0; q < o.queues; q++)
		kicks += s.req(q).kicks();
	r.info(fmt("%u thread%s", nthreads, nthreads > 1 ? "s" : ""));
	r.info(fmt("%llu writes, %llu reads in %.2f s: %.0f IOPS, %.1f MiB/s; per queue %s; %llu kicks",
		   (unsigned long long)writes, (unsigned long long)reads, secs, static_cast<double>(completed) / secs,
		   static_cast<double>(bytes) / secs / 1048576.0, perq.c_str(), (unsigned long long)kicks));
	s.clear_endpoint();
}

} // namespace vsc::cli
