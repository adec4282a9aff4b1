// Host unit tests of the parts of vsclient that need no vhost device: guest
// memory layout and allocation, the dirty-log bitmap, LUN encoding, CDBs
// and sense parsing, and the driver side of a split ring (played against a
// tiny in-process "device" that consumes the avail ring).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <cstring>

#include "vsclient/memory.hpp"
#include "vsclient/scsi.hpp"
#include "vsclient/virtio_scsi.hpp"
#include "vsclient/virtqueue.hpp"

using namespace vsc;

TEST_CASE("guest memory: default layout has a hole and translates")
{
	GuestMemory m(8 << 20);
	REQUIRE(m.regions().size() == 2);
	CHECK(m.regions()[0].gpa == 0);
	CHECK(m.regions()[1].gpa == (uint64_t{4} << 30));
	CHECK_FALSE(m.contains(m.hole_gpa(), 1));
	CHECK(m.contains(0, 4 << 20));
	CHECK_FALSE(m.contains(0, (4 << 20) + 1)); // straddles the end of region 0
	CHECK_THROWS_AS(m.bytes(m.hole_gpa(), 1), std::out_of_range);
	uint8_t *p = m.bytes((uint64_t{4} << 30) + 100, 10);
	CHECK(m.gpa_of(p) == (uint64_t{4} << 30) + 100);
	auto t = m.table();
	REQUIRE(t.size() == 2);
	CHECK(t[1].userspace_addr - t[0].userspace_addr == (4u << 20));
}

TEST_CASE("guest memory: bad layouts are refused")
{
	CHECK_THROWS(GuestMemory(4096 * 3, {{0, 4096}, {4096, 4096}}));	     // sizes do not add up
	CHECK_THROWS(GuestMemory(8192, {{8192, 4096}, {4096, 4096}}));	     // out of order
	CHECK_THROWS(GuestMemory(8192, {{0, 4096}, {2048, 4096}}));	     // misaligned
	CHECK_THROWS(GuestMemory(1000));				     // not 4 KiB
}

TEST_CASE("guest memory: allocator aligns GPAs, never straddles, rewinds")
{
	GuestMemory m(1 << 20, {{0x10000, 512 << 10}, {0x200000, 512 << 10}});
	uint64_t a = m.alloc(100, 4096);
	CHECK(a % 4096 == 0);
	uint64_t b = m.alloc(10, 64);
	CHECK(b >= a + 100);
	CHECK(b % 64 == 0);
	CHECK(m.alloc(300 << 10, 4096, 0) < 0x90000);
	uint64_t c = m.alloc(300 << 10, 4096); // does not fit what is left of region 0
	CHECK(c == 0x200000);
	auto mark = m.mark();
	m.alloc(100 << 10, 4096, 1);
	m.rewind(mark);
	CHECK(m.alloc(100 << 10, 4096, 1) == 0x200000 + (300 << 10));
	CHECK_THROWS_AS(m.alloc(2 << 20), std::length_error);
	CHECK_THROWS_AS(m.alloc(16, 3), std::invalid_argument);
}

TEST_CASE("dirty log: one bit per 4 KiB page")
{
	DirtyLog l(uint64_t{5} << 30);
	CHECK(l.size_bytes() == ((uint64_t{5} << 30) / 4096 + 7) / 8);
	auto *bits = reinterpret_cast<uint8_t *>(l.base());
	uint64_t page = (uint64_t{4} << 30) / 4096 + 9;
	bits[page / 8] |= static_cast<uint8_t>(1u << (page % 8));
	CHECK(l.dirty(page * 4096 + 123));
	CHECK_FALSE(l.dirty((page + 1) * 4096));
	CHECK(l.any_dirty(page * 4096 - 10, 20));
	CHECK_FALSE(l.all_dirty(page * 4096 - 10, 20));
	CHECK(l.dirty_pages() == std::vector<uint64_t>{page});
	l.clear();
	CHECK(l.dirty_pages().empty());
}

TEST_CASE("LUN encoding")
{
	CHECK(Lun::of(1, 0).str() == "01:01:00:00:00:00:00:00");
	CHECK(Lun::of(3, 5).str() == "01:03:00:05:00:00:00:00");
	CHECK(Lun::of(1, 300).str() == "01:01:41:2c:00:00:00:00");
}

TEST_CASE("CDBs and parsers")
{
	auto c = scsi::rw(true, 0x12345678, 8);
	CHECK(c.len == 10);
	CHECK(c.b[0] == 0x2a);
	CHECK(scsi::get_be32(&c.b[2]) == 0x12345678);
	c = scsi::rw(false, uint64_t{1} << 33, 8);
	CHECK(c.len == 16);
	CHECK(c.b[0] == 0x88);
	CHECK(scsi::get_be64(&c.b[2]) == uint64_t{1} << 33);
	c = scsi::rw(false, 0, 70000);
	CHECK(c.len == 16);

	uint8_t fixed[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x25, 0x00};
	auto s = scsi::parse_sense(fixed);
	CHECK(s.valid);
	CHECK(s.str() == "ILLEGAL REQUEST 25/00");
	uint8_t desc[8] = {0x72, 0x06, 0x29, 0x02};
	CHECK(scsi::parse_sense(desc).str() == "UNIT ATTENTION 29/02");
	uint8_t junk[3] = {0x10, 1, 2};
	CHECK_FALSE(scsi::parse_sense(junk).valid);

	uint8_t rl[24] = {0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x05};
	CHECK(scsi::parse_report_luns(rl) == std::vector<uint16_t>{0, 5});
	uint8_t cap[32] = {0, 0, 0, 0, 0, 0, 0x3f, 0xff, 0, 0, 2, 0};
	auto k = scsi::parse_read_capacity16(cap);
	CHECK(k.last_lba == 0x3fff);
	CHECK(k.block_size == 512);
	uint8_t vpd[4 + 12] = {0, 0x83, 0, 12, 0x01, 0x03, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	auto d = scsi::parse_vpd83(vpd);
	REQUIRE(d.size() == 1);
	CHECK(d[0].type == 3);
	CHECK(d[0].id.size() == 8);
}

// Consumes the avail ring like a device and returns each head as used.
static unsigned fake_device(GuestMemory &m, SplitQueue &q, uint16_t &last_avail, uint32_t len)
{
	auto *avail = m.ptr<vring_avail>(q.avail_gpa());
	auto *used = reinterpret_cast<vring_used *>(m.bytes(q.used_gpa(), q.used_bytes()));
	unsigned n = 0;
	while (last_avail != avail->idx) {
		uint16_t head = m.bytes(q.avail_gpa(), 4 + 2u * q.num())[4 + 2 * (last_avail % q.num())] |
				m.bytes(q.avail_gpa(), 4 + 2u * q.num())[5 + 2 * (last_avail % q.num())] << 8;
		used->ring[used->idx % q.num()] = {head, len};
		used->idx++;
		last_avail++;
		n++;
	}
	return n;
}

TEST_CASE("split ring: add, publish, reap, free descriptors")
{
	GuestMemory m(4 << 20);
	QueueOptions o;
	o.num = 8;
	o.max_indirect = 4;
	SplitQueue q(m, 2, o);
	Buf out[2] = {{0x1000, 51}, {0x2000, 100}};
	Buf in[1] = {{0x3000, 108}};
	int h = q.add(out, in, 42);
	REQUIRE(h >= 0);
	CHECK(q.free_descs() == 5);
	// The chain: 2 readable then 1 writable, linked with NEXT.
	vring_desc &d0 = q.desc(static_cast<unsigned>(h));
	CHECK(d0.addr == 0x1000);
	CHECK(d0.flags == VRING_DESC_F_NEXT);
	vring_desc &d1 = q.desc(d0.next);
	CHECK(d1.len == 100);
	vring_desc &d2 = q.desc(d1.next);
	CHECK(d2.flags == VRING_DESC_F_WRITE);
	// Not visible before publish.
	uint16_t la = 0;
	CHECK(fake_device(m, q, la, 0) == 0);
	CHECK(q.publish()); // no NO_NOTIFY flag: kicks
	CHECK(q.kick_fd().consume() == 1);
	CHECK(fake_device(m, q, la, 7) == 1);
	auto u = q.reap();
	REQUIRE(u);
	CHECK(u->owned);
	CHECK(u->cookie == 42);
	CHECK(u->len == 7);
	CHECK(q.free_descs() == 8);
	CHECK_FALSE(q.reap());

	// Indirect: one ring descriptor; too long a chain is refused.
	h = q.add(out, in, 43, true);
	REQUIRE(h >= 0);
	CHECK(q.free_descs() == 7);
	CHECK(q.desc(static_cast<unsigned>(h)).flags == VRING_DESC_F_INDIRECT);
	CHECK(q.desc(static_cast<unsigned>(h)).len == 3 * 16);
	Buf five[5] = {};
	CHECK_THROWS(q.add(five, {}, 1, true));
	// Direct: no room for a chain longer than the free descriptors.
	Buf many[8] = {};
	CHECK(q.add(many, {}, 1) == -1);
	q.publish();
	fake_device(m, q, la, 0);
	u = q.reap();
	REQUIRE(u);
	CHECK(u->cookie == 43);
	CHECK(q.free_descs() == 8);

	// A bogus used id is reported, not trusted.
	auto *used = reinterpret_cast<vring_used *>(m.bytes(q.used_gpa(), q.used_bytes()));
	used->ring[used->idx % 8] = {1000, 0};
	used->idx++;
	u = q.reap();
	REQUIRE(u);
	CHECK_FALSE(u->owned);
	CHECK(q.free_descs() == 8);
}

TEST_CASE("split ring: EVENT_IDX kick suppression")
{
	GuestMemory m(4 << 20);
	QueueOptions o;
	o.num = 8;
	o.event_idx = true;
	SplitQueue q(m, 2, o);
	auto *used = reinterpret_cast<vring_used *>(m.bytes(q.used_gpa(), q.used_bytes()));
	auto *avail_event = reinterpret_cast<uint16_t *>(&used->ring[8]);
	Buf b{0x1000, 16};
	*avail_event = 0; // device wants a kick when idx passes 0
	q.add({&b, 1}, {}, 1);
	CHECK(q.publish());
	*avail_event = 5; // device wants a kick only when idx passes 5
	q.add({&b, 1}, {}, 2);
	CHECK_FALSE(q.publish());
	// The driver asks for a call at the next used entry.
	q.arm();
	auto *avail = m.ptr<vring_avail>(q.avail_gpa());
	(void)avail;
	uint16_t used_event = *reinterpret_cast<uint16_t *>(m.bytes(q.avail_gpa() + 4 + 2 * 8, 2));
	CHECK(used_event == q.last_used());
}

TEST_CASE("command slot: headers and data in the right order")
{
	GuestMemory m(4 << 20);
	QueueOptions o;
	o.num = 16;
	SplitQueue q(m, 2, o);
	CommandSlot s(m);
	auto cdb = scsi::read10(5, 1);
	s.prepare(Lun::of(1, 2), cdb.bytes(), 77);
	CHECK(s.req().lun[3] == 2);
	CHECK(s.req().cdb[0] == 0x28);
	CHECK(s.resp().response == 0xee); // poisoned until answered
	Buf data{0x8000, 512};
	int h = s.add_to(q, Dir::FromDevice, {&data, 1}, false, 1);
	REQUIRE(h >= 0);
	vring_desc &d0 = q.desc(static_cast<unsigned>(h));
	CHECK(d0.addr == s.req_gpa());
	CHECK(!(d0.flags & VRING_DESC_F_WRITE));
	vring_desc &d1 = q.desc(d0.next);
	CHECK(d1.addr == s.resp_gpa());
	CHECK(d1.flags & VRING_DESC_F_WRITE);
	vring_desc &d2 = q.desc(d1.next);
	CHECK(d2.addr == 0x8000);
	h = s.add_to(q, Dir::ToDevice, {&data, 1}, false, 2);
	vring_desc &w0 = q.desc(static_cast<unsigned>(h));
	vring_desc &w1 = q.desc(w0.next);
	CHECK(w1.addr == 0x8000);
	CHECK(!(w1.flags & VRING_DESC_F_WRITE));
	CHECK(q.desc(w1.next).addr == s.resp_gpa());
}
