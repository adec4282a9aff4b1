#include "wire.hpp"

#include <cstdio>
#include <stdexcept>

namespace fcf {

std::string Mac::str() const
{
	char s[18];
	std::snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
		      b[5]);
	return s;
}

Mac Mac::from(const std::uint8_t *p)
{
	Mac m;
	for (std::size_t i = 0; i < m.b.size(); i++)
		m.b[i] = p[i];
	return m;
}

Mac Mac::fpma(std::uint32_t fc_map, std::uint32_t fc_id)
{
	Mac m;
	m.b = {static_cast<std::uint8_t>(fc_map >> 16), static_cast<std::uint8_t>(fc_map >> 8),
	       static_cast<std::uint8_t>(fc_map), static_cast<std::uint8_t>(fc_id >> 16),
	       static_cast<std::uint8_t>(fc_id >> 8), static_cast<std::uint8_t>(fc_id)};
	return m;
}

Mac Mac::parse(const std::string &s)
{
	Mac m;
	unsigned v[6];
	char extra;
	if (std::sscanf(s.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
			&v[5], &extra) != 6)
		throw std::invalid_argument("bad MAC address '" + s + "'");
	for (std::size_t i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			throw std::invalid_argument("bad MAC address '" + s + "'");
		m.b[i] = static_cast<std::uint8_t>(v[i]);
	}
	return m;
}

std::string wwn_str(std::uint64_t wwn)
{
	std::string s;
	for (int i = 7; i >= 0; i--) {
		char part[4];
		std::snprintf(part, sizeof part, "%02x", static_cast<unsigned>((wwn >> (8 * i)) & 0xff));
		s += part;
		if (i)
			s += ':';
	}
	return s;
}

std::string fcid_str(std::uint32_t id)
{
	char s[8];
	std::snprintf(s, sizeof s, "%06x", id & 0xffffff);
	return s;
}

std::uint32_t crc32(std::span<const std::uint8_t> data)
{
	static const auto table = [] {
		std::array<std::uint32_t, 256> t{};
		for (std::uint32_t i = 0; i < 256; i++) {
			std::uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			t[i] = c;
		}
		return t;
	}();
	std::uint32_t c = 0xffffffffu;
	for (auto byte : data)
		c = table[(c ^ byte) & 0xff] ^ (c >> 8);
	return ~c;
}

FcHeader FcHeader::parse(const std::uint8_t *p)
{
	FcHeader h;
	h.r_ctl = p[0];
	h.d_id = get24(p + 1);
	h.s_id = get24(p + 5);
	h.type = p[8];
	h.f_ctl = get24(p + 9);
	h.seq_id = p[12];
	h.seq_cnt = get16(p + 14);
	h.ox_id = get16(p + 16);
	h.rx_id = get16(p + 18);
	h.parm = get32(p + 20);
	return h;
}

void FcHeader::write(Bytes &b, std::size_t off) const
{
	put8(b, off, r_ctl);
	put24(b, off + 1, d_id);
	put8(b, off + 4, 0);
	put24(b, off + 5, s_id);
	put8(b, off + 8, type);
	put24(b, off + 9, f_ctl);
	put8(b, off + 12, seq_id);
	put8(b, off + 13, 0);
	put16(b, off + 14, seq_cnt);
	put16(b, off + 16, ox_id);
	put16(b, off + 18, rx_id);
	put32(b, off + 20, parm);
}

static void put_eth(Bytes &b, const Mac &dst, const Mac &src, std::uint16_t type)
{
	for (std::size_t i = 0; i < 6; i++) {
		b[i] = dst.b[i];
		b[6 + i] = src.b[i];
	}
	put16(b, 12, type);
}

Bytes fcoe_frame(const Mac &dst, const Mac &src, const FcHeader &fh,
		 std::span<const std::uint8_t> payload, std::uint8_t sof, std::uint8_t eof)
{
	std::size_t fc_off = eth_len + fcoe_hdr_len;
	Bytes b(fc_off + fc_hdr_len + payload.size() + fcoe_trailer_len, 0);
	put_eth(b, dst, src, ethertype_fcoe);
	b[eth_len + 13] = sof;	// version 0 in the high nibble of byte 0
	fh.write(b, fc_off);
	std::copy(payload.begin(), payload.end(), b.begin() + static_cast<long>(fc_off + fc_hdr_len));
	std::size_t crc_off = fc_off + fc_hdr_len + payload.size();
	std::uint32_t crc = crc32({b.data() + fc_off, fc_hdr_len + payload.size()});
	for (std::size_t i = 0; i < 4; i++)
		b[crc_off + i] = static_cast<std::uint8_t>(crc >> (8 * i));
	b[crc_off + 4] = eof;
	return b;
}

FipBuilder::FipBuilder(const Mac &dst, const Mac &src, std::uint16_t op, std::uint8_t subcode,
		       std::uint16_t flags)
	: b_(eth_len + fip_hdr_len, 0)
{
	put_eth(b_, dst, src, ethertype_fip);
	b_[eth_len] = 1 << 4;	// FIP version 1
	put16(b_, eth_len + 2, op);
	b_[eth_len + 5] = subcode;
	put16(b_, eth_len + 8, flags);
}

void FipBuilder::add_raw(std::uint8_t dtype, std::span<const std::uint8_t> body)
{
	std::size_t len = 2 + body.size();
	if (len % 4)
		throw std::logic_error("FIP descriptor not word-aligned");
	b_.push_back(dtype);
	b_.push_back(static_cast<std::uint8_t>(len / 4));
	b_.insert(b_.end(), body.begin(), body.end());
}

void FipBuilder::add_pri(std::uint8_t pri)
{
	const std::uint8_t body[2] = {0, pri};
	add_raw(fip_dt_pri, body);
}

void FipBuilder::add_mac(const Mac &mac)
{
	add_raw(fip_dt_mac, mac.b);
}

void FipBuilder::add_name(std::uint64_t wwn)
{
	Bytes body(10, 0);
	put64(body, 2, wwn);
	add_raw(fip_dt_name, body);
}

void FipBuilder::add_fab(std::uint16_t vfid, std::uint32_t fc_map, std::uint64_t fabric_name)
{
	Bytes body(14, 0);
	put16(body, 0, vfid);
	put24(body, 3, fc_map);
	put64(body, 6, fabric_name);
	add_raw(fip_dt_fab, body);
}

void FipBuilder::add_fka(std::uint32_t period_ms, bool no_ka)
{
	Bytes body(6, 0);
	body[1] = no_ka ? 1 : 0;
	put32(body, 2, period_ms);
	add_raw(fip_dt_fka, body);
}

void FipBuilder::add_encaps(std::uint8_t dtype, const FcHeader &fh,
			    std::span<const std::uint8_t> payload)
{
	Bytes body(2 + fc_hdr_len, 0);
	fh.write(body, 2);
	body.insert(body.end(), payload.begin(), payload.end());
	add_raw(dtype, body);
}

void FipBuilder::add_vn_id(const Mac &mac, std::uint32_t fc_id, std::uint64_t wwpn)
{
	Bytes body(18, 0);
	std::copy(mac.b.begin(), mac.b.end(), body.begin());
	put24(body, 7, fc_id);
	put64(body, 10, wwpn);
	add_raw(fip_dt_vn_id, body);
}

Bytes FipBuilder::finish()
{
	put16(b_, eth_len + 6, (b_.size() - eth_len - fip_hdr_len) / 4);
	return b_;
}

}  // namespace fcf
