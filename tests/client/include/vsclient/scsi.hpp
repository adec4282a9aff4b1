// SCSI command descriptor blocks and the parsers for their answers.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vsc::scsi {

constexpr uint8_t kGood = 0x00;
constexpr uint8_t kCheckCondition = 0x02;
constexpr uint8_t kBusy = 0x08;
constexpr uint8_t kTaskSetFull = 0x28;
constexpr uint8_t kTaskAborted = 0x40;

struct Cdb {
	std::array<uint8_t, 32> b{};
	uint8_t len = 0;
	std::span<const uint8_t> bytes() const { return {b.data(), len}; }
};

Cdb test_unit_ready();
Cdb inquiry(uint16_t alloc_len, bool evpd = false, uint8_t page = 0);
Cdb read_capacity16(uint32_t alloc_len = 32);
Cdb report_luns(uint32_t alloc_len);
Cdb read10(uint32_t lba, uint16_t blocks);
Cdb write10(uint32_t lba, uint16_t blocks);
Cdb read16(uint64_t lba, uint32_t blocks);
Cdb write16(uint64_t lba, uint32_t blocks);
// READ/WRITE: 10-byte CDB when it fits, else 16.
Cdb rw(bool write, uint64_t lba, uint32_t blocks);

struct Sense {
	bool valid = false;
	uint8_t key = 0, asc = 0, ascq = 0;
	std::string str() const; // "ILLEGAL REQUEST 25/00"
};
Sense parse_sense(std::span<const uint8_t> s);

struct Capacity {
	uint64_t last_lba = 0;
	uint32_t block_size = 0;
};
Capacity parse_read_capacity16(std::span<const uint8_t> d);
// LUN numbers (flat/peripheral addressing) from REPORT LUNS data.
std::vector<uint16_t> parse_report_luns(std::span<const uint8_t> d);

struct Designator {
	uint8_t code_set, type, assoc;
	std::vector<uint8_t> id;
};
// Designation descriptors of VPD page 0x83.
std::vector<Designator> parse_vpd83(std::span<const uint8_t> d);

std::string status_name(uint8_t status);

inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = static_cast<uint8_t>(v >> 8);
	p[1] = static_cast<uint8_t>(v);
}
inline void put_be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}
inline uint16_t get_be16(const uint8_t *p)
{
	return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline uint32_t get_be32(const uint8_t *p)
{
	return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint64_t get_be64(const uint8_t *p)
{
	return uint64_t{get_be32(p)} << 32 | get_be32(p + 4);
}

} // namespace vsc::scsi
