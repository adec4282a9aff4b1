// dirtylog: which guest pages the device logs while VHOST_F_LOG_ALL is on.
// The used rings live at guest-physical addresses above 4 GiB (region 1), so
// a device that logs host or memfd offsets instead of GPAs is caught.
#include <cstring>
#include <set>

#include "commands.hpp"

namespace vsc::cli {

namespace {

// "yes": all pages must be logged; "no": none may be; "any": just record.
void expect_logged(Report &r, const std::string &what, const std::string &mode, bool all, bool any)
{
	std::string seen = all ? "all logged" : any ? "partly logged" : "not logged";
	r.observe("dirtylog." + what, seen);
	if (mode == "yes")
		r.check(what + " pages are logged", all, seen);
	else if (mode == "no")
		r.check(what + " pages are not logged (in-tree behaviour)", !any, seen);
}

} // namespace

void cmd_dirtylog(const Global &g, Report &r, const DirtyOpts &o)
{
	for (const auto *m : {&o.expect_data, &o.expect_resp})
		if (*m != "yes" && *m != "no" && *m != "any")
			throw std::invalid_argument("dirtylog: expectation must be yes, no or any, not " + *m);
	SessionOptions so = session_options(g, 1);
	so.ring_region = 1;
	Env env(g, so, true, true);
	VirtioScsi &s = *env.s;
	GuestMemory &mem = env.mem;
	DirtyLog &log = *env.log;
	SplitQueue &q = s.req(0);
	r.check("VHOST_F_LOG_ALL negotiated", s.has(VHOST_F_LOG_ALL));
	r.check("used ring is above 4 GiB", q.used_gpa() >= (uint64_t{4} << 30),
		fmt("used ring at GPA %#llx", (unsigned long long)q.used_gpa()));

	auto tur = scsi::test_unit_ready();
	auto res = test_unit_ready(s, env.lun, g.timeout_ms);
	r.check("TEST UNIT READY", res.good(), res.str());
	auto cap = read_capacity(s, env.lun, g.timeout_ms);
	const uint32_t bs = cap.block_size;

	// The pages a device may write: every used ring, and the buffers below.
	std::set<uint64_t> allowed;
	for (unsigned i = 0; i < s.nvqs(); i++)
		for (uint64_t a = s.vq(i).used_gpa(); a < s.vq(i).used_gpa() + s.vq(i).used_bytes(); a += 4096)
			allowed.insert(a / 4096);
	auto allow = [&](uint64_t gpa, uint64_t len) {
		for (uint64_t p = gpa / 4096; p <= (gpa + len - 1) / 4096; p++)
			allowed.insert(p);
	};

	// 1. WRITE: the device reads guest memory and writes the response.
	CommandSlot slot(mem);
	allow(slot.resp_gpa(), sizeof(virtio_scsi_cmd_resp));
	uint32_t len = 8 * bs;
	uint64_t wbuf = mem.alloc(len, 4096, 0);
	for (uint32_t i = 0; i < 8; i++)
		fill_block(mem.bytes(wbuf + i * bs, bs), bs, 100 + i, 1, 99);
	log.clear();
	env.s->log_fd().consume();
	Buf wb{wbuf, len};
	auto cdb = scsi::write10(100, 8);
	slot.prepare(env.lun, cdb.bytes(), 1);
	slot.add_to(q, Dir::ToDevice, {&wb, 1}, false, 1);
	q.publish();
	Used u{};
	bool got = VirtioScsi::wait_used(q, u, g.timeout_ms);
	res = got ? slot.result(u.len) : CmdResult{};
	r.check("WRITE(10) with logging on", res.good(), res.str());
	r.check("used ring page logged after WRITE", log.dirty(q.used_gpa()),
		fmt("GPA %#llx", (unsigned long long)q.used_gpa()));
	r.check("log eventfd signalled", env.s->log_fd().consume() > 0);
	expect_logged(r, "write-response", o.expect_resp,
		      log.all_dirty(slot.resp_gpa(), sizeof(virtio_scsi_cmd_resp)),
		      log.any_dirty(slot.resp_gpa(), sizeof(virtio_scsi_cmd_resp)));
	r.check("data-out pages (only read by the device) are not logged", !log.any_dirty(wbuf, len));

	// 2. READ into a buffer that straddles pages, in region 0.
	uint64_t rbase = mem.alloc(3 * 4096, 4096, 0);
	uint64_t rbuf = rbase + 2048; // 4 KiB starting mid-page: two pages
	log.clear();
	Buf rb{rbuf, len};
	cdb = scsi::read10(100, 8);
	slot.prepare(env.lun, cdb.bytes(), 2);
	slot.add_to(q, Dir::FromDevice, {&rb, 1}, false, 2);
	q.publish();
	got = VirtioScsi::wait_used(q, u, g.timeout_ms);
	res = got ? slot.result(u.len) : CmdResult{};
	bool data_ok = true;
	for (uint32_t i = 0; i < 8; i++)
		data_ok &= check_block(mem.bytes(rbuf + i * bs, bs), bs, 100 + i, 1, 99) == 0;
	r.check("READ(10) with logging on returns the data", res.good() && data_ok, res.str());
	r.check("used ring page logged after READ", log.dirty(q.used_gpa()));
	allow(rbuf, len);
	expect_logged(r, "read-data", o.expect_data, log.all_dirty(rbuf, len), log.any_dirty(rbuf, len));
	expect_logged(r, "read-response", o.expect_resp,
		      log.all_dirty(slot.resp_gpa(), sizeof(virtio_scsi_cmd_resp)),
		      log.any_dirty(slot.resp_gpa(), sizeof(virtio_scsi_cmd_resp)));

	// 3. An event buffer written by the device.
	log.clear();
	s.dev().scsi_set_events_missed(1);
	s.kick_events();
	got = VirtioScsi::wait_used(s.evt(), u, g.timeout_ms);
	r.check("events-missed event delivered", got);
	if (got && u.owned) {
		allow(u.cookie, sizeof(virtio_scsi_event));
		expect_logged(r, "event-buffer", o.expect_resp, log.dirty(u.cookie), log.dirty(u.cookie));
		r.check("event queue used ring logged", log.dirty(s.evt().used_gpa()));
		// Repost it.
		Buf eb{u.cookie, sizeof(virtio_scsi_event)};
		s.evt().add({}, {&eb, 1}, eb.gpa);
		s.evt().publish();
	}

	// 4. Nothing outside the device-written pages is logged.
	std::string stray;
	unsigned nstray = 0;
	for (uint64_t p : log.dirty_pages())
		if (!allowed.count(p) && nstray++ < 8)
			stray += fmt(" %#llx", (unsigned long long)(p * 4096));
	r.check("no page outside the device-written ones is logged", nstray == 0,
		fmt("%u stray pages%s", nstray, stray.c_str()));

	// 5. A new log base while running (QEMU resizes the log this way).
	DirtyLog log2(mem.gpa_end());
	s.dev().set_log_base(log2.base());
	log.clear();
	res = s.command(0, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	r.check("TEST UNIT READY after SET_LOG_BASE to a new bitmap", res.good(), res.str());
	r.check("the new bitmap gets the used ring", log2.dirty(q.used_gpa()));
	r.check("the old bitmap is left alone", log.dirty_pages().empty());

	// 6. Logging off again: SET_FEATURES without LOG_ALL, rings without F_LOG.
	s.clear_endpoint();
	uint64_t f = s.features() & ~(uint64_t{1} << VHOST_F_LOG_ALL);
	s.dev().set_features(f);
	for (unsigned i = 0; i < s.nvqs(); i++)
		s.dev().set_vring_addr(s.vq(i).vring_addr(false));
	s.set_endpoint(g.wwpn, g.tpgt);
	log2.clear();
	res = s.command(0, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
	r.check("TEST UNIT READY with logging off", res.good(), res.str());
	r.check("nothing logged with logging off", log2.dirty_pages().empty(),
		fmt("%zu pages", log2.dirty_pages().size()));
	s.clear_endpoint();
}

} // namespace vsc::cli
