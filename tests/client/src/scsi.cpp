#include "vsclient/scsi.hpp"

#include <algorithm>
#include <cstdio>

namespace vsc::scsi {

Cdb test_unit_ready()
{
	Cdb c;
	c.len = 6;
	return c;
}

Cdb inquiry(uint16_t alloc_len, bool evpd, uint8_t page)
{
	Cdb c;
	c.len = 6;
	c.b[0] = 0x12;
	c.b[1] = evpd ? 1 : 0;
	c.b[2] = page;
	put_be16(&c.b[3], alloc_len);
	return c;
}

Cdb read_capacity16(uint32_t alloc_len)
{
	Cdb c;
	c.len = 16;
	c.b[0] = 0x9e;
	c.b[1] = 0x10;
	put_be32(&c.b[10], alloc_len);
	return c;
}

Cdb report_luns(uint32_t alloc_len)
{
	Cdb c;
	c.len = 12;
	c.b[0] = 0xa0;
	put_be32(&c.b[6], alloc_len);
	return c;
}

static Cdb rw10(uint8_t op, uint32_t lba, uint16_t blocks)
{
	Cdb c;
	c.len = 10;
	c.b[0] = op;
	put_be32(&c.b[2], lba);
	put_be16(&c.b[7], blocks);
	return c;
}

static Cdb rw16(uint8_t op, uint64_t lba, uint32_t blocks)
{
	Cdb c;
	c.len = 16;
	c.b[0] = op;
	put_be64(&c.b[2], lba);
	put_be32(&c.b[10], blocks);
	return c;
}

Cdb read10(uint32_t lba, uint16_t blocks)
{
	return rw10(0x28, lba, blocks);
}
Cdb write10(uint32_t lba, uint16_t blocks)
{
	return rw10(0x2a, lba, blocks);
}
Cdb read16(uint64_t lba, uint32_t blocks)
{
	return rw16(0x88, lba, blocks);
}
Cdb write16(uint64_t lba, uint32_t blocks)
{
	return rw16(0x8a, lba, blocks);
}

Cdb rw(bool write, uint64_t lba, uint32_t blocks)
{
	if (lba <= 0xffffffffu && blocks <= 0xffff)
		return write ? write10(static_cast<uint32_t>(lba), static_cast<uint16_t>(blocks))
			     : read10(static_cast<uint32_t>(lba), static_cast<uint16_t>(blocks));
	return write ? write16(lba, blocks) : read16(lba, blocks);
}

std::string Sense::str() const
{
	static const char *keys[16] = {"NO SENSE",	  "RECOVERED ERROR", "NOT READY",
				       "MEDIUM ERROR",	  "HARDWARE ERROR",  "ILLEGAL REQUEST",
				       "UNIT ATTENTION",  "DATA PROTECT",    "BLANK CHECK",
				       "VENDOR SPECIFIC", "COPY ABORTED",    "ABORTED COMMAND",
				       "EQUAL",		  "VOLUME OVERFLOW", "MISCOMPARE",
				       "COMPLETED"};
	if (!valid)
		return "no sense";
	char buf[64];
	snprintf(buf, sizeof(buf), "%s %02x/%02x", keys[key & 15], asc, ascq);
	return buf;
}

Sense parse_sense(std::span<const uint8_t> s)
{
	Sense r;
	if (s.size() < 2)
		return r;
	uint8_t code = s[0] & 0x7f;
	if ((code == 0x70 || code == 0x71) && s.size() >= 14) {
		r = {true, static_cast<uint8_t>(s[2] & 0x0f), s[12], s[13]};
	} else if ((code == 0x72 || code == 0x73) && s.size() >= 4) {
		r = {true, static_cast<uint8_t>(s[1] & 0x0f), s[2], s[3]};
	}
	return r;
}

Capacity parse_read_capacity16(std::span<const uint8_t> d)
{
	Capacity c;
	if (d.size() >= 12) {
		c.last_lba = get_be64(d.data());
		c.block_size = get_be32(d.data() + 8);
	}
	return c;
}

std::vector<uint16_t> parse_report_luns(std::span<const uint8_t> d)
{
	std::vector<uint16_t> luns;
	if (d.size() < 8)
		return luns;
	uint32_t len = get_be32(d.data());
	for (size_t off = 8; off + 8 <= d.size() && off < 8 + size_t{len}; off += 8)
		luns.push_back(static_cast<uint16_t>(get_be16(&d[off]) & 0x3fff));
	return luns;
}

std::vector<Designator> parse_vpd83(std::span<const uint8_t> d)
{
	std::vector<Designator> v;
	if (d.size() < 4 || d[1] != 0x83)
		return v;
	size_t end = std::min(d.size(), size_t{4} + get_be16(&d[2]));
	for (size_t off = 4; off + 4 <= end;) {
		size_t len = d[off + 3];
		if (off + 4 + len > end)
			break;
		v.push_back({static_cast<uint8_t>(d[off] & 0x0f), static_cast<uint8_t>(d[off + 1] & 0x0f),
			     static_cast<uint8_t>((d[off + 1] >> 4) & 3),
			     {d.begin() + static_cast<long>(off + 4),
			      d.begin() + static_cast<long>(off + 4 + len)}});
		off += 4 + len;
	}
	return v;
}

std::string status_name(uint8_t status)
{
	switch (status) {
	case kGood:
		return "GOOD";
	case kCheckCondition:
		return "CHECK CONDITION";
	case kBusy:
		return "BUSY";
	case 0x18:
		return "RESERVATION CONFLICT";
	case kTaskSetFull:
		return "TASK SET FULL";
	case kTaskAborted:
		return "TASK ABORTED";
	default: {
		char b[16];
		snprintf(b, sizeof(b), "status %#x", status);
		return b;
	}
	}
}

} // namespace vsc::scsi
