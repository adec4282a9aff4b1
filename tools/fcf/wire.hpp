// Wire formats the FC forwarder speaks: Ethernet, FIP (FC-BB-5), FCoE
// encapsulation, FC frame headers, ELS and CT payloads.  Only constants and
// small byte helpers live here; frames are plain byte vectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fcf {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t ethertype_fcoe = 0x8906;
constexpr std::uint16_t ethertype_fip = 0x8914;

// FC-MAP of fabric-provided MAC addresses: 0E:FC:00:<FC_ID>.
constexpr std::uint32_t default_fc_map = 0x0efc00;

// Well-known fabric addresses.
constexpr std::uint32_t fid_flogi = 0xfffffe;
constexpr std::uint32_t fid_fctrl = 0xfffffd;
constexpr std::uint32_t fid_dir_serv = 0xfffffc;
constexpr std::uint32_t fid_mgmt_serv = 0xfffffa;
constexpr std::uint32_t fid_well_known_min = 0xfff000;

// FIP operations, subcodes, flags and descriptor types.
constexpr std::uint16_t fip_op_disc = 1, fip_op_ls = 2, fip_op_ctrl = 3, fip_op_vlan = 4;
constexpr std::uint8_t fip_sc_sol = 1, fip_sc_adv = 2;
constexpr std::uint8_t fip_sc_req = 1, fip_sc_rep = 2;
constexpr std::uint8_t fip_sc_keep_alive = 1, fip_sc_clr_vlink = 2;
constexpr std::uint16_t fip_fl_fpma = 0x8000, fip_fl_fcf = 0x0020, fip_fl_avail = 0x0004,
			fip_fl_sol = 0x0002;
constexpr std::uint8_t fip_dt_pri = 1, fip_dt_mac = 2, fip_dt_name = 4, fip_dt_fab = 5,
		       fip_dt_fcoe_size = 6, fip_dt_flogi = 7, fip_dt_fdisc = 8, fip_dt_logo = 9,
		       fip_dt_vn_id = 11, fip_dt_fka = 12;

// FC header fields.
constexpr std::uint8_t rctl_dd_unsol_ctl = 0x02, rctl_dd_sol_ctl = 0x03, rctl_els_req = 0x22,
		       rctl_els_rep = 0x23, rctl_ba_abts = 0x81;
constexpr std::uint8_t type_els = 0x01, type_fcp = 0x08, type_ct = 0x20;
constexpr std::uint32_t fctl_ex_ctx = 0x800000, fctl_first_seq = 0x200000,
			fctl_last_seq = 0x100000, fctl_end_seq = 0x080000, fctl_seq_init = 0x010000;
constexpr std::uint8_t sof_i3 = 0x2e, sof_n3 = 0x36, eof_n = 0x41, eof_t = 0x42;

// ELS commands.
constexpr std::uint8_t els_ls_rjt = 0x01, els_ls_acc = 0x02, els_plogi = 0x03, els_flogi = 0x04,
		       els_logo = 0x05, els_rscn = 0x61, els_scr = 0x62, els_fdisc = 0x51;
constexpr std::uint8_t els_rjt_logic = 0x03, els_rjt_unab = 0x09, els_rjt_unsup = 0x0b;
constexpr std::uint8_t els_expl_none = 0x00, els_expl_inv_port_name = 0x0d;

// Service parameter bits.
constexpr std::uint16_t sp_ft_npiv_acc = 0x2000, sp_ft_fport = 0x1000;
constexpr std::uint16_t cpc_valid = 0x8000, cpc_seq = 0x0800;
constexpr std::uint16_t max_payload = 2112, min_payload = 256;

// CT / name server.
constexpr std::uint8_t ct_fst_dir = 0xfc, ct_ns_subtype = 0x02;
constexpr std::uint16_t ct_rjt = 0x8001, ct_acc = 0x8002;
constexpr std::uint8_t ct_rjt_cmd = 0x01, ct_rjt_unabl = 0x09;
constexpr std::uint8_t ct_exp_none = 0x00, ct_exp_pid = 0x01, ct_exp_pnam = 0x02,
		       ct_exp_ftnr = 0x07;
enum : std::uint16_t {
	ns_ga_nxt = 0x0100,
	ns_gpn_id = 0x0112,
	ns_gnn_id = 0x0113,
	ns_gspn_id = 0x0118,
	ns_gft_id = 0x0117,
	ns_gff_id = 0x011f,
	ns_gid_pn = 0x0121,
	ns_gid_ft = 0x0171,
	ns_gpn_ft = 0x0172,
	ns_rpn_id = 0x0212,
	ns_rnn_id = 0x0213,
	ns_rft_id = 0x0217,
	ns_rspn_id = 0x0218,
	ns_rff_id = 0x021f,
	ns_rsnn_nn = 0x0239,
};

// Frame layout offsets (from the start of the Ethernet frame).
constexpr std::size_t eth_len = 14;
constexpr std::size_t fcoe_hdr_len = 14;
constexpr std::size_t fc_hdr_len = 24;
constexpr std::size_t fcoe_trailer_len = 8;
constexpr std::size_t fip_hdr_len = 10;

struct Mac {
	std::array<std::uint8_t, 6> b{};
	bool operator==(const Mac &) const = default;
	auto operator<=>(const Mac &) const = default;
	std::string str() const;
	static Mac from(const std::uint8_t *p);
	static Mac fpma(std::uint32_t fc_map, std::uint32_t fc_id);
	static Mac parse(const std::string &s);	// throws on bad input
	bool is_multicast() const { return b[0] & 1; }
	bool is_zero() const { return *this == Mac{}; }
};

constexpr Mac all_fcf_macs{{0x01, 0x10, 0x18, 0x01, 0x00, 0x02}};
constexpr Mac all_enode_macs{{0x01, 0x10, 0x18, 0x01, 0x00, 0x01}};

std::string wwn_str(std::uint64_t wwn);	// 20:00:...
std::string fcid_str(std::uint32_t id);	// 0a0100

inline std::uint16_t get16(const std::uint8_t *p)
{
	return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
inline std::uint32_t get24(const std::uint8_t *p)
{
	return std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2];
}
inline std::uint32_t get32(const std::uint8_t *p)
{
	return std::uint32_t{p[0]} << 24 | get24(p + 1);
}
inline std::uint64_t get64(const std::uint8_t *p)
{
	return std::uint64_t{get32(p)} << 32 | get32(p + 4);
}
inline void put8(Bytes &b, std::size_t off, std::uint64_t v)
{
	b.at(off) = static_cast<std::uint8_t>(v);
}
inline void put16(Bytes &b, std::size_t off, std::uint64_t v)
{
	put8(b, off, v >> 8);
	put8(b, off + 1, v);
}
inline void put24(Bytes &b, std::size_t off, std::uint64_t v)
{
	put8(b, off, v >> 16);
	put16(b, off + 1, v);
}
inline void put32(Bytes &b, std::size_t off, std::uint64_t v)
{
	put16(b, off, v >> 16);
	put16(b, off + 2, v);
}
inline void put64(Bytes &b, std::size_t off, std::uint64_t v)
{
	put32(b, off, v >> 32);
	put32(b, off + 4, v);
}

// CRC-32 as FCoE uses it (IEEE 802.3 polynomial, reflected), stored
// little-endian in the FCoE trailer.
std::uint32_t crc32(std::span<const std::uint8_t> data);

// An FC frame header.
struct FcHeader {
	std::uint8_t r_ctl = 0;
	std::uint32_t d_id = 0;
	std::uint32_t s_id = 0;
	std::uint8_t type = 0;
	std::uint32_t f_ctl = 0;
	std::uint8_t seq_id = 0;
	std::uint16_t seq_cnt = 0;
	std::uint16_t ox_id = 0xffff;
	std::uint16_t rx_id = 0xffff;
	std::uint32_t parm = 0;

	static FcHeader parse(const std::uint8_t *p);
	void write(Bytes &b, std::size_t off) const;
};

// Builds an Ethernet frame carrying an FCoE-encapsulated FC frame.
Bytes fcoe_frame(const Mac &dst, const Mac &src, const FcHeader &fh,
		 std::span<const std::uint8_t> payload, std::uint8_t sof = sof_i3,
		 std::uint8_t eof = eof_t);

// Builds a FIP frame; descriptors are appended with add_* and finish()
// fixes up the descriptor list length.
class FipBuilder {
public:
	FipBuilder(const Mac &dst, const Mac &src, std::uint16_t op, std::uint8_t subcode,
		   std::uint16_t flags);
	void add_pri(std::uint8_t pri);
	void add_mac(const Mac &mac);
	void add_name(std::uint64_t wwn);
	void add_fab(std::uint16_t vfid, std::uint32_t fc_map, std::uint64_t fabric_name);
	void add_fka(std::uint32_t period_ms, bool no_ka = false);
	void add_encaps(std::uint8_t dtype, const FcHeader &fh,
			std::span<const std::uint8_t> payload);
	void add_vn_id(const Mac &mac, std::uint32_t fc_id, std::uint64_t wwpn);
	void add_raw(std::uint8_t dtype, std::span<const std::uint8_t> body);
	Bytes finish();

private:
	Bytes b_;
};

}  // namespace fcf
