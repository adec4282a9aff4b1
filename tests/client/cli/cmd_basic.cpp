// abi, smoke, tmf and events.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <map>
#include <memory>
#include <thread>
#include <unistd.h>

#include "commands.hpp"

namespace vsc::cli {

namespace {

constexpr uint64_t bit(unsigned b)
{
	return uint64_t{1} << b;
}

// A call that must fail: checks that it did and records the errno.
void must_fail(Report &r, const std::string &name, int err)
{
	r.check(name + " is refused", err != 0, "errno " + errno_name(err));
	r.observe("abi." + name, errno_name(err));
}

void must_succeed(Report &r, const std::string &name, int err)
{
	r.check(name, err == 0, "errno " + errno_name(err));
}

std::string hexbytes(const uint8_t *p, size_t n)
{
	std::string s;
	for (size_t i = 0; i < n; i++)
		s += fmt("%02x", p[i]);
	return s;
}

std::string trim(std::string s)
{
	while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
		s.pop_back();
	return s;
}

} // namespace

void cmd_abi(const Global &g, Report &r)
{
	GuestMemory mem(uint64_t{g.mem_mib} << 20);
	VhostDevice dev = open_device(g);

	int abi = -1;
	int err = dev.raw_ioctl(VHOST_SCSI_GET_ABI_VERSION, &abi);
	r.check("VHOST_SCSI_GET_ABI_VERSION answers 1", err == 0 && abi == VHOST_SCSI_ABI_VERSION,
		fmt("errno %s, version %d", errno_name(err).c_str(), abi));

	// Before SET_OWNER the generic ioctls must be refused.
	must_fail(r, "SET_MEM_TABLE before SET_OWNER", dev.try_set_mem_table(mem.table()));
	must_fail(r, "SET_VRING_NUM before SET_OWNER", dev.try_set_vring_num(0, 128));
	must_succeed(r, "SET_OWNER", dev.try_set_owner());
	must_fail(r, "second SET_OWNER", dev.try_set_owner());

	uint64_t f = dev.get_features();
	r.observe("abi.features", feature_names(f));
	const struct {
		unsigned b;
		const char *name;
	} required[] = {
		{VIRTIO_RING_F_INDIRECT_DESC, "INDIRECT_DESC"}, {VIRTIO_RING_F_EVENT_IDX, "EVENT_IDX"},
		{VHOST_F_LOG_ALL, "LOG_ALL"},			{VIRTIO_F_ANY_LAYOUT, "ANY_LAYOUT"},
		{VIRTIO_F_VERSION_1, "VERSION_1"},		{VIRTIO_SCSI_F_HOTPLUG, "SCSI_HOTPLUG"},
	};
	for (const auto &q : required)
		r.check(std::string("feature ") + q.name + " offered", f & bit(q.b));
	r.check("RING_PACKED not offered (split rings only)", !(f & bit(VIRTIO_F_RING_PACKED)));
	must_fail(r, "SET_FEATURES with an unoffered bit (RING_PACKED)",
		  dev.try_set_features(f | bit(VIRTIO_F_RING_PACKED)));
	uint64_t want = f & (bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_F_ANY_LAYOUT) |
			     bit(VIRTIO_RING_F_INDIRECT_DESC) | bit(VIRTIO_RING_F_EVENT_IDX) |
			     bit(VIRTIO_SCSI_F_HOTPLUG));
	must_succeed(r, "SET_FEATURES " + feature_names(want), dev.try_set_features(want));

	// Memory table.
	std::vector<vhost_memory_region> many(65, mem.table()[0]);
	for (size_t i = 0; i < many.size(); i++) {
		many[i].guest_phys_addr = i << 20;
		many[i].memory_size = 4096;
		many[i].userspace_addr = mem.table()[0].userspace_addr + (i << 12);
	}
	must_fail(r, "SET_MEM_TABLE with 65 regions", dev.try_set_mem_table(many));
	must_succeed(r, "SET_MEM_TABLE with " + std::to_string(mem.table().size()) + " regions",
		     dev.try_set_mem_table(mem.table()));

	// Ring set-up errors.
	must_fail(r, "SET_VRING_NUM 3 (not a power of two)", dev.try_set_vring_num(2, 3));
	must_fail(r, "SET_VRING_NUM 0", dev.try_set_vring_num(2, 0));
	must_fail(r, "SET_VRING_NUM 65536", dev.try_set_vring_num(2, 65536));
	must_fail(r, "SET_VRING_NUM on a queue index past the last",
		  dev.try_set_vring_num(100000, 128));
	SessionOptions so = session_options(g, 2);
	VirtioScsi s(dev, mem, so);
	vhost_vring_addr a = s.req(0).vring_addr(false);
	a.used_user_addr |= 1;
	must_fail(r, "SET_VRING_ADDR with a misaligned used ring", dev.try_set_vring_addr(a));
	a = s.req(0).vring_addr(false);
	a.flags = 0x2;
	must_fail(r, "SET_VRING_ADDR with an unknown flag", dev.try_set_vring_addr(a));
	must_fail(r, "SET_VRING_KICK with a non-eventfd fd",
		  dev.try_set_vring_fd(VHOST_SET_VRING_KICK, 2, mem.memfd()));

	for (unsigned i = 0; i < s.nvqs(); i++) {
		s.vq(i).set_event_idx(want & bit(VIRTIO_RING_F_EVENT_IDX));
		s.vq(i).attach(dev, false);
	}

	// Endpoint.
	must_fail(r, "SET_ENDPOINT with reserved != 0", dev.try_scsi_set_endpoint(g.wwpn, g.tpgt, 1));
	must_fail(r, "SET_ENDPOINT with an unknown WWPN",
		  dev.try_scsi_set_endpoint("naa.6001405deadbeef0", g.tpgt));
	must_succeed(r, "SET_ENDPOINT " + g.wwpn, dev.try_scsi_set_endpoint(g.wwpn, g.tpgt));
	must_fail(r, "second SET_ENDPOINT", dev.try_scsi_set_endpoint(g.wwpn, g.tpgt));
	must_fail(r, "SET_VRING_NUM while the endpoint is set", dev.try_set_vring_num(2, 64));

	// VHOST_F_LOG_ALL with a log the kernel cannot reach must be refused
	// (checked for running rings, so with the endpoint set).
	uint64_t bad_log = 0x7ffffffff000ull - 4096; // bitmap runs past the user address space
	must_succeed(r, "SET_LOG_BASE near the top of the address space (LOG_ALL off)",
		     dev.try_set_log_base(bad_log));
	must_fail(r, "SET_FEATURES LOG_ALL with an inaccessible log",
		  dev.try_set_features(want | bit(VHOST_F_LOG_ALL)));
	must_succeed(r, "SET_LOG_BASE back to 0", dev.try_set_log_base(0));
	must_succeed(r, "SET_FEATURES again", dev.try_set_features(want));


	Lun lun = Lun::of(static_cast<uint8_t>(g.target), static_cast<uint16_t>(g.lun));
	auto tur = scsi::test_unit_ready();
	auto res = test_unit_ready(s, lun, g.timeout_ms);
	r.check("TEST UNIT READY after SET_ENDPOINT", res.good(), res.str());

	// Events missed.
	dev.scsi_set_events_missed(1);
	r.check("GET_EVENTS_MISSED after SET 1", dev.scsi_get_events_missed() == 1);
	dev.scsi_set_events_missed(0);
	r.check("GET_EVENTS_MISSED after SET 0", dev.scsi_get_events_missed() == 0);

	// Clearing with another WWPN must not tear the endpoint down.
	err = dev.try_scsi_clear_endpoint("naa.6001405deadbeef0", g.tpgt);
	r.observe("abi.CLEAR_ENDPOINT with another WWPN", errno_name(err));
	res = s.command(0, lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	r.check("endpoint still serves after CLEAR_ENDPOINT with another WWPN", res.good(), res.str());

	must_succeed(r, "CLEAR_ENDPOINT " + g.wwpn, dev.try_scsi_clear_endpoint(g.wwpn, g.tpgt));
	unsigned base = 0;
	must_succeed(r, "GET_VRING_BASE after CLEAR_ENDPOINT", dev.try_get_vring_base(2, base));
	r.check("GET_VRING_BASE equals the used index", base == s.req(0).used_idx(),
		fmt("base %u used %u", base, s.req(0).used_idx()));
	r.observe("abi.second CLEAR_ENDPOINT", errno_name(dev.try_scsi_clear_endpoint(g.wwpn, g.tpgt)));

	// No endpoint: requests wait in the ring, unanswered.
	res = s.command(0, lun, tur.bytes(), Dir::None, {}, false, 500);
	r.check("no answer without an endpoint", !res.answered, res.str());
	// Set it again: the waiting request is served after the next kick.
	must_succeed(r, "SET_ENDPOINT again after CLEAR", dev.try_scsi_set_endpoint(g.wwpn, g.tpgt));
	s.req(0).publish(true);
	Used u{};
	bool got = VirtioScsi::wait_used(s.req(0), u, g.timeout_ms);
	r.check("request queued while stopped is answered after SET_ENDPOINT and a kick", got);
	must_succeed(r, "final CLEAR_ENDPOINT", dev.try_scsi_clear_endpoint(g.wwpn, g.tpgt));

	// Worker ioctls (Linux 6.5+; QEMU tolerates ENOTTY) and RESET_OWNER:
	// recorded only. Numbers from <linux/vhost.h> of newer kernels.
	struct worker_state {
		unsigned int worker_id;
	} ws{};
	const unsigned long new_worker = _IOR(VHOST_VIRTIO, 0x8, worker_state);
	const unsigned long free_worker = _IOW(VHOST_VIRTIO, 0x9, worker_state);
	err = dev.raw_ioctl(new_worker, &ws);
	r.observe("abi.NEW_WORKER", errno_name(err));
	if (!err)
		r.check("FREE_WORKER of the new worker", dev.raw_ioctl(free_worker, &ws) == 0);
	r.observe("abi.RESET_OWNER", errno_name(dev.try_reset_owner()));
}

void cmd_smoke(const Global &g, Report &r, const SmokeOpts &o)
{
	Env env(g, session_options(g, 1));
	VirtioScsi &s = *env.s;
	GuestMemory &mem = env.mem;
	r.info("features " + feature_names(s.features()));

	auto tur = scsi::test_unit_ready();
	auto res = s.command(0, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	if (res.answered && res.status == scsi::kCheckCondition) {
		r.info("first TEST UNIT READY: " + res.str());
		res = s.command(0, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	}
	r.check("TEST UNIT READY", res.good(), res.str());

	// Standard INQUIRY, with an allocation length larger than the data.
	const uint32_t alloc = 255;
	uint64_t inq = mem.alloc(alloc, 64);
	std::memset(mem.bytes(inq, alloc), 0xa5, alloc);
	Buf b{inq, alloc};
	auto cdb = scsi::inquiry(alloc);
	res = s.command(0, env.lun, cdb.bytes(), Dir::FromDevice, {&b, 1}, false, g.timeout_ms);
	const uint8_t *d = mem.bytes(inq, alloc);
	r.check("INQUIRY", res.good(), res.str());
	r.check("INQUIRY: direct-access block device", (d[0] & 0x1f) == 0 && (d[0] >> 5) == 0,
		fmt("peripheral %#x", d[0]));
	uint32_t inq_len = std::min<uint32_t>(alloc, d[4] + 5u);
	if (g.resid_unreported && res.resid == 0)
		r.observe("smoke.inquiry_resid", fmt("0 (unreported by the fabric driver), data %u of %u",
						      inq_len, alloc));
	else
		r.check("INQUIRY: residual = allocation length - data length",
			res.resid == alloc - inq_len,
			fmt("resid %u, data %u of %u", res.resid, inq_len, alloc));
	std::string vendor(reinterpret_cast<const char *>(d + 8), 8),
		product(reinterpret_cast<const char *>(d + 16), 16);
	r.observe("smoke.inquiry", trim(vendor) + " / " + trim(product) + fmt(" (%u bytes)", inq_len));
	// Bytes written into the chain, as the used element reports them (the
	// spec: response header + data-in; the in-tree driver always says 0).
	r.observe("smoke.inquiry_used_len", std::to_string(res.used_len));

	// The same INQUIRY through an indirect table.
	uint64_t inq2 = mem.alloc(96, 64);
	b = {inq2, 96};
	cdb = scsi::inquiry(96);
	auto res2 = s.command(0, env.lun, cdb.bytes(), Dir::FromDevice, {&b, 1}, true, g.timeout_ms);
	r.check("INQUIRY through an indirect descriptor table",
		res2.good() && std::memcmp(mem.bytes(inq2, 96), d, std::min<uint32_t>(96, inq_len)) == 0,
		res2.str());

	// And into 3 scattered 32-byte pieces. Recorded, not asserted: LIO's
	// emulated commands map a multi-entry scatterlist as if it were
	// page-contiguous, so with the in-tree driver only the first piece is
	// filled (READ/WRITE on the RAM disk walk the list properly).
	std::mt19937_64 rng(7);
	auto bufs = scatter(mem, 96, 3, rng, 32);
	res2 = s.command(0, env.lun, cdb.bytes(), Dir::FromDevice, bufs, true, g.timeout_ms);
	std::vector<uint8_t> copy(96);
	copy_out(mem, bufs, copy);
	bool same = std::memcmp(copy.data(), d, std::min<size_t>(96, inq_len)) == 0;
	bool first_only = !same && std::memcmp(copy.data(), d, bufs[0].len) == 0;
	r.check("INQUIRY into " + std::to_string(bufs.size()) + " scattered pieces is answered",
		res2.good(), res2.str());
	r.observe("smoke.inquiry_scattered",
		  same ? "intact" : first_only ? "first piece only" : "corrupt");

	// VPD page 0x83.
	uint64_t vpd = mem.alloc(512, 64);
	b = {vpd, 512};
	cdb = scsi::inquiry(512, true, 0x83);
	res = s.command(0, env.lun, cdb.bytes(), Dir::FromDevice, {&b, 1}, false, g.timeout_ms);
	auto des = scsi::parse_vpd83({mem.bytes(vpd, 512), 512});
	r.check("INQUIRY VPD 0x83 has designators", res.good() && !des.empty(),
		res.str() + fmt(", %zu designators", des.size()));
	for (const auto &de : des)
		if (de.type == 3) // NAA
			r.info("NAA designator " + hexbytes(de.id.data(), de.id.size()));

	// READ CAPACITY(16).
	auto cap = read_capacity(s, env.lun, g.timeout_ms);
	r.check("READ CAPACITY(16): block size", cap.block_size >= 512 && cap.block_size <= 4096,
		fmt("%u", cap.block_size));
	r.observe("smoke.capacity", fmt("%llu blocks of %u", (unsigned long long)cap.last_lba + 1,
					cap.block_size));
	if (o.expect_blocks)
		r.check("READ CAPACITY(16): expected size", cap.last_lba + 1 == o.expect_blocks,
			fmt("%llu blocks, want %llu", (unsigned long long)cap.last_lba + 1,
			    (unsigned long long)o.expect_blocks));

	// REPORT LUNS.
	uint64_t rl = mem.alloc(4096, 64);
	b = {rl, 4096};
	cdb = scsi::report_luns(4096);
	res = s.command(0, env.lun, cdb.bytes(), Dir::FromDevice, {&b, 1}, false, g.timeout_ms);
	auto luns = scsi::parse_report_luns({mem.bytes(rl, 4096), 4096});
	std::string list;
	bool found = false;
	for (auto l : luns) {
		list += (list.empty() ? "" : ",") + std::to_string(l);
		found |= l == g.lun;
	}
	r.check("REPORT LUNS lists LUN " + std::to_string(g.lun), res.good() && found,
		res.str() + ", luns " + list);
	r.observe("smoke.report_luns", list);

	// One block written and read back, data in 4 scattered segments.
	uint32_t bs = cap.block_size;
	uint64_t lba = cap.last_lba / 2;
	auto wbufs = scatter(mem, uint64_t{bs} * 8, 4, rng);
	auto rbufs = scatter(mem, uint64_t{bs} * 8, 5, rng);
	std::vector<uint8_t> pat(bs * 8), back(bs * 8);
	for (unsigned i = 0; i < 8; i++)
		fill_block(&pat[i * bs], bs, lba + i, 1, 0x5eed);
	copy_in(mem, wbufs, pat);
	cdb = scsi::write16(lba, 8);
	res = s.command(0, env.lun, cdb.bytes(), Dir::ToDevice, wbufs, true, g.timeout_ms);
	r.check("WRITE(16) 8 blocks from 4 segments", res.good(), res.str());
	cdb = scsi::read10(static_cast<uint32_t>(lba), 8);
	res = s.command(0, env.lun, cdb.bytes(), Dir::FromDevice, rbufs, false, g.timeout_ms);
	copy_out(mem, rbufs, back);
	r.check("READ(10) 8 blocks into 5 segments returns the data", res.good() && pat == back,
		res.str());

	// A LUN that does not exist, and a target that does not exist.
	Lun nolun = Lun::of(static_cast<uint8_t>(g.target), 200);
	res = s.command(0, nolun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	r.check("TEST UNIT READY to a missing LUN fails",
		res.answered && !(res.response == VIRTIO_SCSI_S_OK && res.status == scsi::kGood),
		res.str());
	r.observe("smoke.missing_lun", res.str());
	Lun notgt = Lun::of(static_cast<uint8_t>(g.target + 100), 0);
	res = s.command(0, notgt, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	r.check("TEST UNIT READY to a missing target answers BAD_TARGET",
		res.answered && res.response == VIRTIO_SCSI_S_BAD_TARGET, res.str());

	s.clear_endpoint();
}

void cmd_tmf(const Global &g, Report &r)
{
	Env env(g, session_options(g, 2));
	VirtioScsi &s = *env.s;
	GuestMemory &mem = env.mem;
	auto tur = scsi::test_unit_ready();
	auto res = test_unit_ready(s, env.lun, g.timeout_ms);
	r.check("TEST UNIT READY", res.good(), res.str());

	int resp = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, g.timeout_ms);
	r.check("LOGICAL UNIT RESET on an idle LUN succeeds", resp == VIRTIO_SCSI_S_FUNCTION_SUCCEEDED,
		resp < 0 ? "no answer" : response_name(static_cast<uint8_t>(resp)));

	// LUN reset with reads in flight on two queues.
	auto cap = read_capacity(s, env.lun, g.timeout_ms);
	const unsigned per_q = 16;
	std::vector<std::unique_ptr<CommandSlot>> slots;
	std::vector<uint64_t> data;
	const uint32_t blocks = 128;
	unsigned submitted = 0;
	for (unsigned q = 0; q < 2; q++) {
		for (unsigned i = 0; i < per_q; i++) {
			slots.push_back(std::make_unique<CommandSlot>(mem));
			uint64_t gpa = mem.alloc(uint64_t{blocks} * cap.block_size, 4096);
			Buf b{gpa, blocks * cap.block_size};
			auto cdb = scsi::read16((submitted * blocks) % (cap.last_lba + 1 - blocks), blocks);
			slots.back()->prepare(env.lun, cdb.bytes(), 1000 + submitted);
			if (slots.back()->add_to(s.req(q), Dir::FromDevice, {&b, 1}, true, submitted) < 0)
				throw std::runtime_error("queue full");
			submitted++;
		}
		s.req(q).publish();
	}
	resp = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, g.timeout_ms);
	r.check("LOGICAL UNIT RESET with 32 reads in flight succeeds",
		resp == VIRTIO_SCSI_S_FUNCTION_SUCCEEDED,
		resp < 0 ? "no answer" : response_name(static_cast<uint8_t>(resp)));
	unsigned answered = 0, good = 0;
	for (unsigned q = 0; q < 2; q++) {
		for (unsigned i = 0; i < per_q; i++) {
			Used u{};
			if (!VirtioScsi::wait_used(s.req(q), u, g.timeout_ms))
				break;
			answered++;
			auto cr = slots[u.cookie]->result(u.len);
			good += cr.good();
			if (!cr.good())
				r.info("read " + std::to_string(u.cookie) + ": " + cr.str());
		}
	}
	r.check("every read in flight during the reset is answered", answered == submitted,
		fmt("%u of %u answered, %u GOOD", answered, submitted, good));

	// The other task-management functions.
	const struct {
		uint32_t sub;
		const char *name;
	} tmfs[] = {
		{VIRTIO_SCSI_T_TMF_ABORT_TASK, "ABORT_TASK"},
		{VIRTIO_SCSI_T_TMF_ABORT_TASK_SET, "ABORT_TASK_SET"},
		{VIRTIO_SCSI_T_TMF_CLEAR_ACA, "CLEAR_ACA"},
		{VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET, "CLEAR_TASK_SET"},
		{VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET, "I_T_NEXUS_RESET"},
		{VIRTIO_SCSI_T_TMF_QUERY_TASK, "QUERY_TASK"},
		{VIRTIO_SCSI_T_TMF_QUERY_TASK_SET, "QUERY_TASK_SET"},
		{99, "subtype 99"},
	};
	for (const auto &t : tmfs) {
		resp = s.tmf(env.lun, t.sub, 12345, g.timeout_ms);
		r.check(std::string("TMF ") + t.name + " is answered", resp >= 0);
		r.observe(std::string("tmf.") + t.name,
			  resp < 0 ? "no answer" : response_name(static_cast<uint8_t>(resp)));
	}
	resp = s.tmf(Lun::of(static_cast<uint8_t>(g.target + 100), 0),
		     VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, 0, g.timeout_ms);
	// Should be BAD_TARGET; in-tree 6.1 writes a 108-byte command response
	// over the 1-byte TMF response instead, which reads as OK (see the
	// hostile case ctl-tmf-unknown-target). Recorded, not asserted.
	r.check("LOGICAL UNIT RESET to a missing target is answered", resp >= 0);
	r.observe("tmf.LUN_RESET missing target",
		  resp < 0 ? "no answer" : response_name(static_cast<uint8_t>(resp)));

	for (uint32_t type : {uint32_t{VIRTIO_SCSI_T_AN_QUERY}, uint32_t{VIRTIO_SCSI_T_AN_SUBSCRIBE}}) {
		auto [ar, actual] = s.an(type, env.lun, 0xffff, g.timeout_ms);
		std::string n = type == VIRTIO_SCSI_T_AN_QUERY ? "AN_QUERY" : "AN_SUBSCRIBE";
		r.check(n + " is answered", ar >= 0);
		r.observe("tmf." + n, ar < 0 ? "no answer"
					     : response_name(static_cast<uint8_t>(ar)) +
						       fmt(" event_actual %#x", actual));
	}

	res = s.command(1, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	if (res.answered && res.status == scsi::kCheckCondition) {
		r.info("TEST UNIT READY after resets: " + res.str());
		res = s.command(1, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	}
	r.check("TEST UNIT READY after the resets", res.good(), res.str());
	s.clear_endpoint();
}

// Aborting and querying the guest's own tasks while they are in flight.
void cmd_abort(const Global &g, Report &r, const AbortOpts &o)
{
	Env env(g, session_options(g, 1));
	VirtioScsi &s = *env.s;
	GuestMemory &mem = env.mem;
	auto tur = scsi::test_unit_ready();
	auto res = test_unit_ready(s, env.lun, g.timeout_ms);
	r.check("TEST UNIT READY", res.good(), res.str());
	auto cap = read_capacity(s, env.lun, g.timeout_ms);

	// An abort the target does not acknowledge goes through the initiator's
	// error handling (abort time-out, then LUN reset): allow for it, as a
	// guest's error handler does.
	const int tmf_ms = std::max(g.timeout_ms, o.tmf_timeout_ms);
	auto name = [](int resp) {
		return resp < 0 ? std::string("no answer") : response_name(static_cast<uint8_t>(resp));
	};
	std::vector<std::unique_ptr<CommandSlot>> slots;
	auto submit = [&](unsigned n, uint64_t first_tag) {
		for (unsigned i = 0; i < n; i++) {
			slots.push_back(std::make_unique<CommandSlot>(mem));
			uint64_t gpa = mem.alloc(uint64_t{o.blocks} * cap.block_size, 4096);
			Buf b{gpa, o.blocks * cap.block_size};
			auto cdb = scsi::read16((i * uint64_t{o.blocks}) % (cap.last_lba + 1 - o.blocks),
						o.blocks);
			slots.back()->prepare(env.lun, cdb.bytes(), first_tag + i);
			if (slots.back()->add_to(s.req(0), Dir::FromDevice, {&b, 1}, true,
						 slots.size() - 1) < 0)
				throw std::runtime_error("queue full");
		}
		s.req(0).publish();
	};
	auto reap = [&](unsigned n, const std::string &what) {
		unsigned answered = 0;
		std::map<std::string, unsigned> outcomes;
		for (unsigned i = 0; i < n; i++) {
			Used u{};
			if (!VirtioScsi::wait_used(s.req(0), u, tmf_ms))
				break;
			answered++;
			auto cr = slots[u.cookie]->result(u.len);
			outcomes[cr.good() ? "GOOD" : response_name(cr.response)]++;
		}
		std::string list;
		for (auto &[k, v] : outcomes)
			list += (list.empty() ? "" : ", ") + fmt("%u %s", v, k.c_str());
		r.check(what + ": every read is answered", answered == n,
			fmt("%u of %u answered: %s", answered, n, list.c_str()));
	};

	// One read: query it, abort it, query again.
	submit(1, 7001);
	// The device may not have taken the read off the ring yet: a slow
	// target gives it a second, so ask again for a while.
	int q1 = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_QUERY_TASK, 7001, g.timeout_ms);
	for (int i = 0; o.expect_inflight && q1 == VIRTIO_SCSI_S_OK && i < 10; i++) {
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		q1 = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_QUERY_TASK, 7001, g.timeout_ms);
	}
	int qs = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_QUERY_TASK_SET, 0, g.timeout_ms);
	r.observe("abort.QUERY_TASK in flight", name(q1));
	r.observe("abort.QUERY_TASK_SET in flight", name(qs));
	if (o.expect_inflight) {
		r.check("QUERY TASK finds the read in flight", q1 == VIRTIO_SCSI_S_FUNCTION_SUCCEEDED,
			name(q1));
		r.check("QUERY TASK SET finds the read in flight",
			qs == VIRTIO_SCSI_S_FUNCTION_SUCCEEDED, name(qs));
	} else {
		r.check("QUERY TASK is answered", q1 >= 0, name(q1));
		r.check("QUERY TASK SET is answered", qs >= 0, name(qs));
	}
	int a1 = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_ABORT_TASK, 7001, tmf_ms);
	r.check("ABORT TASK of a read in flight completes", a1 == VIRTIO_SCSI_S_OK, name(a1));
	reap(1, "ABORT TASK");
	int q2 = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_QUERY_TASK, 7001, g.timeout_ms);
	r.check("QUERY TASK after the abort finds nothing", q2 == VIRTIO_SCSI_S_OK, name(q2));

	// A tag that was never sent: nothing to abort.
	int a2 = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_ABORT_TASK, 99999, g.timeout_ms);
	r.check("ABORT TASK of an unknown tag completes", a2 == VIRTIO_SCSI_S_OK, name(a2));

	// Several reads, then the whole task set.
	submit(8, 8001);
	int as = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_ABORT_TASK_SET, 0, tmf_ms);
	r.check("ABORT TASK SET with reads in flight completes", as == VIRTIO_SCSI_S_OK, name(as));
	reap(8, "ABORT TASK SET");
	int q3 = s.tmf(env.lun, VIRTIO_SCSI_T_TMF_QUERY_TASK_SET, 0, g.timeout_ms);
	r.check("QUERY TASK SET after the abort finds nothing", q3 == VIRTIO_SCSI_S_OK, name(q3));

	// The LUN still serves (after the unit attention a reset may leave).
	for (int i = 0; i < 3; i++) {
		res = s.command(0, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
		if (!(res.answered && res.status == scsi::kCheckCondition))
			break;
		r.info("TEST UNIT READY after the aborts: " + res.str());
	}
	r.check("TEST UNIT READY after the aborts", res.good(), res.str());
	s.clear_endpoint();
}

void cmd_events(const Global &g, Report &r, const EventOpts &o)
{
	SessionOptions so = session_options(g, 1);
	so.hotplug = true;
	Env env(g, so);
	VirtioScsi &s = *env.s;
	r.check("VIRTIO_SCSI_F_HOTPLUG negotiated", s.has(VIRTIO_SCSI_F_HOTPLUG));

	// Missed events: reported as an EVENTS_MISSED event on the next kick.
	s.dev().scsi_set_events_missed(1);
	s.kick_events();
	auto ev = s.next_event(g.timeout_ms);
	r.check("events missed: an event arrives after a kick", ev.has_value());
	if (ev) {
		r.check("events missed: the event has VIRTIO_SCSI_T_EVENTS_MISSED",
			ev->event & VIRTIO_SCSI_T_EVENTS_MISSED, fmt("event %#x", ev->event));
		r.observe("events.missed_event", fmt("event %#x reason %u", ev->event, ev->reason));
	}
	r.check("events missed: GET_EVENTS_MISSED is 0 after reporting",
		s.dev().scsi_get_events_missed() == 0);

	if (o.expect) {
		if (!o.ready_file.empty()) {
			UniqueFd f(::open(o.ready_file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
			if (!f)
				throw_errno("create " + o.ready_file);
		}
		r.info(fmt("waiting up to %d ms for %u hotplug events", o.wait_ms, o.expect));
		auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.wait_ms);
		for (unsigned i = 0; i < o.expect; i++) {
			auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
				deadline - std::chrono::steady_clock::now());
			ev = s.next_event(std::max<int>(0, static_cast<int>(left.count())));
			if (!r.check(fmt("hotplug event %u arrives", i + 1), ev.has_value()))
				break;
			uint16_t lun = static_cast<uint16_t>((ev->lun[2] << 8 | ev->lun[3]) & 0x3fff);
			std::string what = fmt("event %#x reason %u lun %02x:%02x:%02x:%02x (target %u lun %u)",
					       ev->event, ev->reason, ev->lun[0], ev->lun[1], ev->lun[2],
					       ev->lun[3], ev->lun[1], lun);
			r.check(fmt("hotplug event %u is TRANSPORT_RESET", i + 1),
				(ev->event & ~VIRTIO_SCSI_T_EVENTS_MISSED) == VIRTIO_SCSI_T_TRANSPORT_RESET &&
					ev->lun[0] == 1 && ev->lun[1] == g.target,
				what);
			r.observe(fmt("events.hotplug%u", i + 1),
				  fmt("reason %s lun %u",
				      ev->reason == VIRTIO_SCSI_EVT_RESET_RESCAN	 ? "RESCAN"
				      : ev->reason == VIRTIO_SCSI_EVT_RESET_REMOVED ? "REMOVED"
										    : "other",
				      lun));
		}
	}
	s.clear_endpoint();
}

} // namespace vsc::cli
