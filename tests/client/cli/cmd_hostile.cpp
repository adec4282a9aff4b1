// hostile: malformed chains and requests, each on its own virtqueue (a
// descriptor-level error may wedge the queue it was sent on), followed by a
// good request on the same queue to see whether the queue still serves.
// For every case the answer is recorded: the response the device wrote, the
// error eventfd, the state of the queue, and whether memory next to a short
// response buffer was overwritten.
#include <chrono>
#include <cstring>
#include <functional>
#include <set>
#include <linux/virtio_ring.h>

#include "commands.hpp"

namespace vsc::cli {

namespace {

enum class Expect {
	Accept, // a well-formed edge case: must succeed
	Reject, // must not succeed; answered with an error or signalled on the error eventfd
	Any,	// recorded only
};

enum class Kind { Cmd, Tmf, An, Evt };

struct Ctx {
	Ctx(VirtioScsi &s_, GuestMemory &m, SplitQueue &q_, Lun l, uint8_t t)
		: s(s_), mem(m), q(q_), lun(l), target(t)
	{
	}
	VirtioScsi &s;
	GuestMemory &mem;
	SplitQueue &q;
	Lun lun;
	uint8_t target;
	Kind kind = Kind::Cmd;
	std::vector<Buf> resp; // where the answer is expected, in order
	uint64_t canary_gpa = 0;
	uint32_t canary_len = 0;
	std::vector<uint16_t> heads;
	std::vector<uint16_t> taken; // descriptors used, returned if the queue survives

	// A descriptor taken off the free list and filled in.
	uint16_t d(uint64_t gpa, uint32_t len, bool write)
	{
		uint16_t i = q.take_desc();
		taken.push_back(i);
		q.desc(i) = {gpa, len, static_cast<uint16_t>(write ? VRING_DESC_F_WRITE : 0), 0};
		return i;
	}
	void link(uint16_t a, uint16_t b)
	{
		q.desc(a).flags |= VRING_DESC_F_NEXT;
		q.desc(a).next = b;
	}
	uint16_t chain(std::initializer_list<std::tuple<uint64_t, uint32_t, bool>> parts)
	{
		int head = -1, prev = -1;
		for (const auto &[gpa, len, write] : parts) {
			uint16_t i = d(gpa, len, write);
			if (prev >= 0)
				link(static_cast<uint16_t>(prev), i);
			else
				head = i;
			prev = i;
		}
		return static_cast<uint16_t>(head);
	}
	void push(uint16_t head, uint16_t bump = 1)
	{
		heads.push_back(head);
		q.push_avail(head, bump);
	}
	// A request header in guest memory.
	uint64_t req(const Lun &l, const scsi::Cdb &cdb)
	{
		uint64_t gpa = mem.alloc(sizeof(virtio_scsi_cmd_req), 64);
		auto *r = mem.ptr<virtio_scsi_cmd_req>(gpa);
		std::memcpy(r->lun, l.b.data(), 8);
		r->tag = 0x4057;
		std::memcpy(r->cdb, cdb.b.data(), cdb.len);
		return gpa;
	}
	uint64_t req(const scsi::Cdb &cdb) { return req(lun, cdb); }
	// A poisoned response buffer of len bytes; with canary, 128 bytes of
	// canary follow it directly.
	uint64_t resp_buf(uint32_t len, bool canary = false)
	{
		uint64_t gpa = mem.alloc(len + (canary ? 128 : 0), 64);
		std::memset(mem.bytes(gpa, len), 0xee, len);
		if (canary) {
			canary_gpa = gpa + len;
			canary_len = 128;
			std::memset(mem.bytes(canary_gpa, 128), 0xc5, 128);
		}
		resp.push_back({gpa, len});
		return gpa;
	}
	uint64_t data(uint32_t len, bool canary = false)
	{
		uint64_t gpa = mem.alloc(len + (canary ? 128 : 0), 4096);
		if (canary) {
			canary_gpa = gpa + len;
			canary_len = 128;
			std::memset(mem.bytes(canary_gpa, 128), 0xc5, 128);
		}
		return gpa;
	}
};

enum class On { Req, Ctl, Evt }; // the queue a case runs on

struct Case {
	const char *name;
	Expect expect;
	On on;
	std::function<void(Ctx &)> build;
};

constexpr uint32_t kReq = sizeof(virtio_scsi_cmd_req);
constexpr uint32_t kResp = sizeof(virtio_scsi_cmd_resp);

std::vector<Case> cases()
{
	using S = scsi::Cdb;
	auto inq = [] { return scsi::inquiry(96); };
	std::vector<Case> v;
	v.push_back({"good-inquiry", Expect::Accept, On::Req, [=](Ctx &c) {
			     c.push(c.chain({{c.req(inq()), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(96), 96, true}}));
		     }});
	v.push_back({"lun-byte0-not-1", Expect::Reject, On::Req, [](Ctx &c) {
			     Lun l = c.lun;
			     l.b[0] = 0;
			     c.push(c.chain({{c.req(l, scsi::test_unit_ready()), kReq, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"unknown-target", Expect::Reject, On::Req, [](Ctx &c) {
			     Lun l = Lun::of(static_cast<uint8_t>(c.target + 100), 0);
			     c.push(c.chain({{c.req(l, scsi::test_unit_ready()), kReq, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"missing-lun", Expect::Reject, On::Req, [](Ctx &c) {
			     Lun l = Lun::of(c.target, 300);
			     c.push(c.chain({{c.req(l, scsi::test_unit_ready()), kReq, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"lun-bytes-2-3-all-ones", Expect::Reject, On::Req, [](Ctx &c) {
			     Lun l = c.lun;
			     l.b[2] = 0xff;
			     l.b[3] = 0xff;
			     c.push(c.chain({{c.req(l, scsi::test_unit_ready()), kReq, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"lun-bytes-4-7-set", Expect::Any, On::Req, [](Ctx &c) {
			     Lun l = c.lun;
			     l.b[4] = l.b[5] = l.b[6] = l.b[7] = 0x5a;
			     c.push(c.chain({{c.req(l, scsi::test_unit_ready()), kReq, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"request-header-short", Expect::Reject, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::test_unit_ready()), 19, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"request-header-split", Expect::Accept, On::Req, [=](Ctx &c) {
			     uint64_t r = c.req(inq());
			     c.push(c.chain({{r, 5, false},
					     {r + 5, 20, false},
					     {r + 25, kReq - 25, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(96), 96, true}}));
		     }});
	v.push_back({"response-short", Expect::Reject, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::test_unit_ready()), kReq, false},
					     {c.resp_buf(20, true), 20, true}}));
		     }});
	v.push_back({"response-missing", Expect::Reject, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::test_unit_ready()), kReq, false}}));
		     }});
	v.push_back({"response-split", Expect::Accept, On::Req, [=](Ctx &c) {
			     uint64_t a = c.resp_buf(10), b = c.resp_buf(kResp - 10);
			     c.push(c.chain({{c.req(inq()), kReq, false},
					     {a, 10, true},
					     {b, kResp - 10, true},
					     {c.data(96), 96, true}}));
		     }});
	v.push_back({"bad-target-response-split", Expect::Reject, On::Req, [](Ctx &c) {
			     Lun l = Lun::of(static_cast<uint8_t>(c.target + 100), 0);
			     uint64_t a = c.resp_buf(10, true), b = c.resp_buf(kResp - 10);
			     c.push(c.chain({{c.req(l, scsi::test_unit_ready()), kReq, false},
					     {a, 10, true},
					     {b, kResp - 10, true}}));
		     }});
	v.push_back({"cdb-variable-length-too-long", Expect::Reject, On::Req, [](Ctx &c) {
			     S cdb;
			     cdb.len = 32;
			     cdb.b[0] = 0x7f;
			     cdb.b[7] = 200; // additional CDB length: 208 bytes in all
			     c.push(c.chain({{c.req(cdb), kReq, false}, {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"descriptor-loop", Expect::Reject, On::Req, [](Ctx &c) {
			     uint16_t a = c.d(c.req(scsi::test_unit_ready()), kReq, false);
			     uint16_t b = c.d(c.resp_buf(kResp), kResp, true);
			     c.link(a, b);
			     c.link(b, a);
			     c.push(a);
		     }});
	v.push_back({"chain-longer-than-ring", Expect::Reject, On::Req, [](Ctx &c) {
			     // Every descriptor but two in one chain, the last pointing
			     // back to the first: the walk passes the ring size.
			     unsigned n = c.q.num() - 2;
			     uint16_t first = c.d(c.req(scsi::test_unit_ready()), kReq, false);
			     uint16_t prev = first;
			     uint64_t r = c.resp_buf(kResp);
			     for (unsigned i = 1; i < n; i++) {
				     uint16_t x = c.d(r, kResp, true);
				     c.link(prev, x);
				     prev = x;
			     }
			     c.link(prev, first);
			     c.push(first);
		     }});
	v.push_back({"next-out-of-range", Expect::Reject, On::Req, [](Ctx &c) {
			     uint16_t a = c.d(c.req(scsi::test_unit_ready()), kReq, false);
			     c.q.desc(a).flags = VRING_DESC_F_NEXT;
			     c.q.desc(a).next = static_cast<uint16_t>(c.q.num() + 3);
			     c.push(a);
		     }});
	v.push_back({"head-out-of-range", Expect::Reject, On::Req, [](Ctx &c) {
			     c.resp_buf(kResp);
			     c.push(static_cast<uint16_t>(c.q.num() + 5));
		     }});
	v.push_back({"avail-index-jump", Expect::Reject, On::Req, [](Ctx &c) {
			     uint16_t h = c.chain({{c.req(scsi::test_unit_ready()), kReq, false},
						   {c.resp_buf(kResp), kResp, true}});
			     c.push(h, static_cast<uint16_t>(c.q.num() + 1));
		     }});
	v.push_back({"out-after-in", Expect::Reject, On::Req, [](Ctx &c) {
			     uint64_t w = c.data(512);
			     c.push(c.chain({{c.req(scsi::write10(0, 1)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {w, 512, false}}));
		     }});
	v.push_back({"request-header-write-only", Expect::Reject, On::Req, [](Ctx &c) {
			     // Everything is device-writable: the "in" area starts with
			     // the header buffer, so that is where a response belongs.
			     uint64_t h = c.mem.alloc(kReq + 128, 64);
			     std::memcpy(c.mem.bytes(h, kReq), c.mem.bytes(c.req(scsi::test_unit_ready()), kReq), kReq);
			     c.canary_gpa = h + kReq;
			     c.canary_len = 128;
			     std::memset(c.mem.bytes(c.canary_gpa, 128), 0xc5, 128);
			     c.resp.push_back({h, kReq});
			     c.push(c.chain({{h, kReq, true}, {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"header-outside-memory", Expect::Reject, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.mem.hole_gpa(), kReq, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"data-outside-memory", Expect::Reject, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::read10(0, 8)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.mem.hole_gpa() + 8192, 4096, true}}));
		     }});
	v.push_back({"data-straddles-region-end", Expect::Reject, On::Req, [](Ctx &c) {
			     const auto &r0 = c.mem.regions()[0];
			     c.push(c.chain({{c.req(scsi::read10(0, 8)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {r0.gpa + r0.size - 2048, 4096, true}}));
		     }});
	v.push_back({"length-overflow", Expect::Reject, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::read10(0, 8)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(4096), 0xffffffffu, true}}));
		     }});
	v.push_back({"address-wraps", Expect::Reject, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::read10(0, 8)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {0xfffffffffffff000ull, 0x2000, true}}));
		     }});
	v.push_back({"data-too-large", Expect::Reject, On::Req, [](Ctx &c) {
			     // 2049 pages: more than the in-tree driver's 2048 preallocated.
			     uint32_t len = 2049 * 4096;
			     c.push(c.chain({{c.req(scsi::read10(0, static_cast<uint16_t>(len / 512))), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(len), len, true}}));
		     }});
	v.push_back({"read-into-device-readable-buffer", Expect::Reject, On::Req, [](Ctx &c) {
			     // The buffer is the canary: a device must not write into it.
			     uint64_t buf = c.data(4096);
			     std::memset(c.mem.bytes(buf, 4096), 0xc5, 4096);
			     c.canary_gpa = buf;
			     c.canary_len = 4096;
			     c.push(c.chain({{c.req(scsi::read10(0, 8)), kReq, false},
					     {buf, 4096, false},
					     {c.resp_buf(kResp), kResp, true}}));
		     }});
	v.push_back({"write-from-device-writable-buffer", Expect::Any, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::write10(0, 8)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(4096), 4096, true}}));
		     }});
	v.push_back({"read-buffer-shorter-than-cdb", Expect::Any, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::read10(0, 8)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(1024, true), 1024, true}}));
		     }});
	v.push_back({"read-buffer-longer-than-cdb", Expect::Any, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::read10(0, 2)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(4096), 4096, true}}));
		     }});
	v.push_back({"zero-length-data-descriptor", Expect::Any, On::Req, [](Ctx &c) {
			     c.push(c.chain({{c.req(scsi::read10(0, 1)), kReq, false},
					     {c.resp_buf(kResp), kResp, true},
					     {c.data(512), 0, true},
					     {c.data(512), 512, true}}));
		     }});
	// Indirect descriptors.
	v.push_back({"indirect-good", Expect::Accept, On::Req, [=](Ctx &c) {
			     auto t = c.q.alloc_table(3);
			     t.d[0] = {c.req(inq()), kReq, VRING_DESC_F_NEXT, 1};
			     t.d[1] = {c.resp_buf(kResp), kResp, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2};
			     t.d[2] = {c.data(96), 96, VRING_DESC_F_WRITE, 0};
			     uint16_t h = c.d(t.gpa, 3 * 16, false);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT;
			     c.push(h);
		     }});
	v.push_back({"indirect-loop", Expect::Reject, On::Req, [](Ctx &c) {
			     auto t = c.q.alloc_table(2);
			     t.d[0] = {c.req(scsi::test_unit_ready()), kReq, VRING_DESC_F_NEXT, 1};
			     t.d[1] = {c.resp_buf(kResp), kResp, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1};
			     uint16_t h = c.d(t.gpa, 2 * 16, false);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT;
			     c.push(h);
		     }});
	v.push_back({"indirect-nested", Expect::Reject, On::Req, [](Ctx &c) {
			     auto inner = c.q.alloc_table(2);
			     inner.d[0] = {c.req(scsi::test_unit_ready()), kReq, VRING_DESC_F_NEXT, 1};
			     inner.d[1] = {c.resp_buf(kResp), kResp, VRING_DESC_F_WRITE, 0};
			     auto t = c.q.alloc_table(1);
			     t.d[0] = {inner.gpa, 32, VRING_DESC_F_INDIRECT, 0};
			     uint16_t h = c.d(t.gpa, 16, false);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT;
			     c.push(h);
		     }});
	v.push_back({"indirect-length-not-multiple-of-16", Expect::Reject, On::Req, [](Ctx &c) {
			     auto t = c.q.alloc_table(2);
			     t.d[0] = {c.req(scsi::test_unit_ready()), kReq, VRING_DESC_F_NEXT, 1};
			     t.d[1] = {c.resp_buf(kResp), kResp, VRING_DESC_F_WRITE, 0};
			     uint16_t h = c.d(t.gpa, 24, false);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT;
			     c.push(h);
		     }});
	v.push_back({"indirect-empty-table", Expect::Reject, On::Req, [](Ctx &c) {
			     auto t = c.q.alloc_table(1);
			     c.resp_buf(kResp);
			     uint16_t h = c.d(t.gpa, 0, false);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT;
			     c.push(h);
		     }});
	v.push_back({"indirect-table-outside-memory", Expect::Reject, On::Req, [](Ctx &c) {
			     c.resp_buf(kResp);
			     uint16_t h = c.d(c.mem.hole_gpa(), 32, false);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT;
			     c.push(h);
		     }});
	v.push_back({"indirect-2048-entries", Expect::Reject, On::Req, [](Ctx &c) {
			     // Longer than the ring and than UIO_MAXIOV (1024).
			     const unsigned n = 2048;
			     auto t = c.q.alloc_table(n);
			     uint64_t buf = c.data(512);
			     t.d[0] = {c.req(scsi::read10(0, n - 2)), kReq, VRING_DESC_F_NEXT, 1};
			     t.d[1] = {c.resp_buf(kResp), kResp, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2};
			     for (unsigned i = 2; i < n; i++)
				     t.d[i] = {buf, 512,
					       static_cast<uint16_t>(VRING_DESC_F_WRITE |
								     (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
					       static_cast<uint16_t>(i + 1 < n ? i + 1 : 0)};
			     uint16_t h = c.d(t.gpa, n * 16, false);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT;
			     c.push(h);
		     }});
	v.push_back({"indirect-with-next", Expect::Any, On::Req, [=](Ctx &c) {
			     // INDIRECT and NEXT together (forbidden by the spec).
			     auto t = c.q.alloc_table(2);
			     t.d[0] = {c.req(inq()), kReq, VRING_DESC_F_NEXT, 1};
			     t.d[1] = {c.resp_buf(kResp), kResp, VRING_DESC_F_WRITE, 0};
			     uint16_t h = c.d(t.gpa, 32, false);
			     uint16_t x = c.d(c.data(96), 96, true);
			     c.q.desc(h).flags = VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT;
			     c.q.desc(h).next = x;
			     c.push(h);
		     }});
	// Control queue.
	v.push_back({"ctl-unknown-type", Expect::Reject, On::Ctl, [](Ctx &c) {
			     c.kind = Kind::Tmf;
			     uint64_t r = c.mem.alloc(64, 64);
			     *c.mem.ptr<uint32_t>(r) = 77;
			     c.push(c.chain({{r, sizeof(virtio_scsi_ctrl_tmf_req), false},
					     {c.resp_buf(1, true), 1, true}}));
		     }});
	auto tmf = [](Ctx &c, const Lun &l, uint32_t out_len, uint32_t in_len, bool canary) {
		c.kind = Kind::Tmf;
		uint64_t r = c.mem.alloc(64, 64);
		auto *t = c.mem.ptr<virtio_scsi_ctrl_tmf_req>(r);
		t->type = VIRTIO_SCSI_T_TMF;
		t->subtype = VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET;
		std::memcpy(t->lun, l.b.data(), 8);
		if (in_len)
			c.push(c.chain({{r, out_len, false}, {c.resp_buf(in_len, canary), in_len, true}}));
		else
			c.push(c.chain({{r, out_len, false}}));
	};
	v.push_back({"ctl-tmf-response-missing", Expect::Reject, On::Ctl,
		     [=](Ctx &c) { tmf(c, c.lun, sizeof(virtio_scsi_ctrl_tmf_req), 0, false); }});
	v.push_back({"ctl-tmf-request-short", Expect::Reject, On::Ctl,
		     [=](Ctx &c) { tmf(c, c.lun, 8, 1, true); }});
	v.push_back({"ctl-tmf-lun-byte0-not-1", Expect::Reject, On::Ctl, [=](Ctx &c) {
			     Lun l = c.lun;
			     l.b[0] = 0;
			     tmf(c, l, sizeof(virtio_scsi_ctrl_tmf_req), 1, true);
		     }});
	v.push_back({"ctl-tmf-unknown-target", Expect::Reject, On::Ctl, [=](Ctx &c) {
			     tmf(c, Lun::of(static_cast<uint8_t>(c.target + 100), 0),
				 sizeof(virtio_scsi_ctrl_tmf_req), 1, true);
		     }});
	v.push_back({"ctl-an-query-unknown-target", Expect::Any, On::Ctl, [](Ctx &c) {
			     c.kind = Kind::An;
			     uint64_t r = c.mem.alloc(64, 64);
			     auto *a = c.mem.ptr<virtio_scsi_ctrl_an_req>(r);
			     a->type = VIRTIO_SCSI_T_AN_QUERY;
			     Lun l = Lun::of(static_cast<uint8_t>(c.target + 100), 0);
			     std::memcpy(a->lun, l.b.data(), 8);
			     c.push(c.chain({{r, sizeof(*a), false},
					     {c.resp_buf(sizeof(virtio_scsi_ctrl_an_resp), true),
					      sizeof(virtio_scsi_ctrl_an_resp), true}}));
		     }});
	// Event queue: an event buffer of the wrong size, with an event pending.
	v.push_back({"evt-buffer-short", Expect::Reject, On::Evt, [](Ctx &c) {
			     c.kind = Kind::Evt;
			     c.push(c.d(c.resp_buf(8, true), 8, true));
			     c.s.dev().scsi_set_events_missed(1);
		     }});
	return v;
}

// The answer bytes, gathered from the response segments.
std::vector<uint8_t> gather(Ctx &c)
{
	std::vector<uint8_t> b;
	for (const Buf &x : c.resp) {
		const uint8_t *p = c.mem.bytes(x.gpa, x.len);
		b.insert(b.end(), p, p + x.len);
	}
	return b;
}

std::string describe_answer(Ctx &c)
{
	auto b = gather(c);
	if (c.kind == Kind::Evt) {
		if (b.size() < 4 || b[0] == 0xee)
			return "answered, event not written";
		uint32_t ev;
		std::memcpy(&ev, b.data(), 4);
		return fmt("event %#x", ev);
	}
	size_t need = c.kind == Kind::Cmd ? 12 : c.kind == Kind::Tmf ? 1 : 5;
	if (b.size() < need)
		return "answered, response buffer too short to read";
	size_t at = c.kind == Kind::Cmd ? 11 : c.kind == Kind::Tmf ? 0 : 4;
	if (b[at] == 0xee)
		return "answered, response not written";
	std::string s = "response " + response_name(b[at]);
	if (c.kind == Kind::Cmd && b[at] == VIRTIO_SCSI_S_OK && b.size() >= sizeof(virtio_scsi_cmd_resp)) {
		virtio_scsi_cmd_resp rsp;
		std::memcpy(&rsp, b.data(), sizeof(rsp));
		s += " status " + scsi::status_name(rsp.status);
		if (rsp.resid)
			s += fmt(" resid %u", rsp.resid);
		if (rsp.sense_len)
			s += " sense " + scsi::parse_sense({rsp.sense, std::min<size_t>(rsp.sense_len, 96)}).str();
	}
	return s;
}

// A good request after the hostile one, on the same queue.
uint16_t follow_up(Ctx &c, uint64_t &resp_gpa)
{
	if (c.kind == Kind::Evt) {
		// A good event buffer; a pending missed event fills it.
		resp_gpa = c.mem.alloc(sizeof(virtio_scsi_event), 64);
		uint16_t h = c.d(resp_gpa, sizeof(virtio_scsi_event), true);
		c.s.dev().scsi_set_events_missed(1);
		c.q.push_avail(h);
		return h;
	}
	if (c.kind == Kind::Cmd) {
		resp_gpa = c.mem.alloc(kResp, 64);
		std::memset(c.mem.bytes(resp_gpa, kResp), 0xee, kResp);
		uint16_t h = c.chain({{c.req(scsi::test_unit_ready()), kReq, false}, {resp_gpa, kResp, true}});
		c.q.push_avail(h);
		return h;
	}
	uint64_t r = c.mem.alloc(64, 64);
	auto *a = c.mem.ptr<virtio_scsi_ctrl_an_req>(r);
	a->type = VIRTIO_SCSI_T_AN_QUERY;
	std::memcpy(a->lun, c.lun.b.data(), 8);
	resp_gpa = c.mem.alloc(64, 64);
	std::memset(c.mem.bytes(resp_gpa, 64), 0xee, 64);
	uint16_t h = c.chain({{r, sizeof(*a), false}, {resp_gpa, sizeof(virtio_scsi_ctrl_an_resp), true}});
	c.q.push_avail(h);
	return h;
}

} // namespace

void cmd_hostile(const Global &g, Report &r, const HostileOpts &o)
{
	auto all = cases();
	std::vector<const Case *> run;
	for (const auto &c : all)
		if (o.only.empty() || std::string(c.name).find(o.only) != std::string::npos)
			run.push_back(&c);
	unsigned nreq = 1;
	for (const Case *c : run)
		nreq += c->on == On::Req;
	Global gg = g;
	gg.queue_size = 16;
	SessionOptions so = session_options(gg, nreq);
	so.max_indirect = 0;
	so.post_events = false; // the event queue is used by the evt-* cases
	Env env(gg, so);
	VirtioScsi &s = *env.s;
	r.info(fmt("%zu cases on %u request queues; features %s", run.size(), nreq,
		   feature_names(s.features()).c_str()));

	auto tur = scsi::test_unit_ready();
	auto res = test_unit_ready(s, env.lun, g.timeout_ms);
	r.check("TEST UNIT READY before the hostile cases", res.good(), res.str());

	std::set<std::string> lenient_seen;
	unsigned next_q = 1;
	for (const Case *hc : run) {
		SplitQueue &q = hc->on == On::Ctl ? s.ctl() : hc->on == On::Evt ? s.evt() : s.req(next_q++);
		Ctx c{s, env.mem, q, env.lun, static_cast<uint8_t>(g.target)};
		q.err_fd().consume();
		hc->build(c);
		q.publish(true);
		uint64_t fu_resp = 0;
		uint16_t fu = follow_up(c, fu_resp);
		q.publish(true);

		// Collect used entries until the follow-up is back (or time-out),
		// then a little longer for an asynchronous answer to the case.
		bool answered = false, fu_done = false;
		uint32_t used_len = 0;
		auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.settle_ms);
		auto grace_end = deadline;
		bool in_grace = false;
		// The in-tree driver sends a pending event once per kick it sees, and
		// two kicks close together reach it as one: on the event queue, kick
		// again while the follow-up is still out, as a guest adding buffers
		// would, so the outcome does not depend on timing.
		auto next_kick = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
		for (;;) {
			while (auto u = q.reap()) {
				if (u->id == fu)
					fu_done = true;
				else
					for (uint16_t h : c.heads)
						if (u->id == h) {
							answered = true;
							used_len = u->len;
						}
			}
			auto now = std::chrono::steady_clock::now();
			if (fu_done && answered)
				break;
			if (fu_done && !in_grace) {
				in_grace = true;
				grace_end = std::min(deadline, now + std::chrono::milliseconds(200));
			}
			auto end = in_grace ? grace_end : deadline;
			if (now >= end)
				break;
			if (hc->on == On::Evt && !fu_done) {
				if (now >= next_kick) {
					q.publish(true);
					next_kick = now + std::chrono::milliseconds(250);
				}
				end = std::min(end, next_kick);
			}
			q.wait(static_cast<int>(
				std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count() + 1));
		}
		bool err = q.err_fd().consume() > 0;
		if (fu_done)
			for (uint16_t t : c.taken)
				q.give_back(t);
		std::string answer = answered ? describe_answer(c) : fu_done ? "dropped" : "no answer";
		std::string canary;
		if (c.canary_len) {
			const uint8_t *p = env.mem.bytes(c.canary_gpa, c.canary_len);
			bool intact = true;
			for (uint32_t i = 0; i < c.canary_len; i++)
				intact &= p[i] == 0xc5;
			canary = intact ? "; canary intact" : "; canary overwritten";
		}
		std::string rec = answer + (err ? "; err yes" : "; err no") +
				  (fu_done ? "; queue serving" : "; queue stalled") + canary;
		r.observe(std::string("hostile.") + hc->name, rec);
		if (answered)
			r.info(fmt("used len %u", used_len));

		bool success = answered && (answer == "response OK status GOOD" ||
					    answer.rfind("response OK status GOOD resid", 0) == 0 ||
					    answer == "response FUNCTION_SUCCEEDED");
		bool clean = canary.find("overwritten") == std::string::npos;
		bool ok;
		std::string what;
		if (hc->expect == Expect::Accept) {
			what = ": succeeds";
			ok = success && fu_done && clean;
		} else if (hc->expect == Expect::Reject) {
			what = ": refused with an error answer or the error eventfd, memory around intact";
			ok = !success && clean &&
			     ((answered && answer.rfind("response ", 0) == 0) || err);
		} else {
			what = ": memory around the buffers intact";
			ok = clean;
		}
		if (o.lenient.count(hc->name)) {
			r.info(std::string(hc->name) + what + (ok ? ": yes" : ": NO (known deviation, not asserted)"));
			lenient_seen.insert(hc->name);
		} else
			r.check(std::string(hc->name) + what, ok, rec);

		// The device keeps serving the other requests.
		res = s.command(0, env.lun, tur.bytes(), Dir::None, {}, false, g.timeout_ms);
		r.check(std::string(hc->name) + ": a clean queue still serves", res.good(), res.str());
	}
	for (const auto &n : o.lenient)
		r.check("--lenient case " + n + " exists", lenient_seen.count(n) > 0);
	s.clear_endpoint();
}

} // namespace vsc::cli
