// Host unit tests of the FCF: wire encodings and the login / name-server
// protocol, driven with hand-made frames (no network, no kernel rules).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "fcf.hpp"
#include "wire.hpp"

#include <string>
#include <vector>

using namespace fcf;

TEST_CASE("CRC-32 as FCoE uses it")
{
	const std::string s = "123456789";
	CHECK(crc32({reinterpret_cast<const std::uint8_t *>(s.data()), s.size()}) == 0xcbf43926u);
}

TEST_CASE("MAC addresses")
{
	CHECK(Mac::fpma(default_fc_map, 0x010203).str() == "0e:fc:00:01:02:03");
	CHECK(Mac::parse("52:56:00:FC:f0:01").str() == "52:56:00:fc:f0:01");
	CHECK_THROWS(Mac::parse("52:56:00:fc:f0"));
	CHECK_THROWS(Mac::parse("52:56:00:fc:f0:01:02"));
	CHECK_THROWS(Mac::parse("152:56:00:fc:f0:01"));
	CHECK(wwn_str(0x2000525600010000ull) == "20:00:52:56:00:01:00:00");
}

TEST_CASE("FCoE frame layout")
{
	FcHeader fh;
	fh.r_ctl = rctl_els_rep;
	fh.d_id = 0x010200;
	fh.s_id = fid_dir_serv;
	fh.type = type_els;
	fh.ox_id = 0x1234;
	Bytes pl = {els_ls_acc, 0, 0, 0};
	Mac a = Mac::fpma(default_fc_map, 0x010200), b = Mac::parse("52:56:00:fc:f0:01");
	Bytes f = fcoe_frame(a, b, fh, pl);
	REQUIRE(f.size() == 14 + 14 + 24 + 4 + 8);
	CHECK(get16(f.data() + 12) == ethertype_fcoe);
	CHECK(f[27] == sof_i3);
	auto back = FcHeader::parse(f.data() + 28);
	CHECK(back.d_id == 0x010200);
	CHECK(back.s_id == fid_dir_serv);
	CHECK(back.ox_id == 0x1234);
	// the CRC covers FC header and payload, little-endian, then EOF
	std::uint32_t crc = crc32({f.data() + 28, 28});
	CHECK(f[56] == (crc & 0xff));
	CHECK(f[59] == (crc >> 24));
	CHECK(f[60] == eof_t);
	// the D_ID the kernel rules match on sits at FCoE-header offsets 15..17
	CHECK(f[14 + 15] == 0x01);
	CHECK(f[14 + 16] == 0x02);
	CHECK(f[14 + 17] == 0x00);
}

namespace {

struct Harness {
	std::vector<Bytes> sent;	// replies; the advertiser's frames are left out
	Fcf fcf;
	explicit Harness(std::uint32_t e_d_tov_ms = Config{}.e_d_tov_ms)
		: fcf(config(e_d_tov_ms), Mac::parse("52:56:00:fc:f0:01"),
		      [this](const Bytes &f) {
			      if (f[0] & 1)
				      return;	// multicast advertisement (other thread)
			      sent.push_back(f);
		      },
		      std::make_unique<Offload>("no-such-bridge", std::vector<std::string>{}, 1,
						Mac::parse("52:56:00:fc:f0:01"), false))
	{
	}
	static Config config(std::uint32_t e_d_tov_ms)
	{
		Config c;
		c.e_d_tov_ms = e_d_tov_ms;
		c.iface = "test";
		c.bridge = "no-such-bridge";
		c.fka_ms = 90000;	// keep the advertiser quiet
		return c;
	}
	// A FIP FLOGI/FDISC from ENODE for WWPN; returns the FIP reply.
	Bytes login(const Mac &enode, std::uint64_t wwpn, bool fdisc, std::uint16_t ox)
	{
		FcHeader fh;
		fh.r_ctl = rctl_els_req;
		fh.d_id = fid_flogi;
		fh.type = type_els;
		fh.f_ctl = fctl_first_seq | fctl_end_seq | fctl_seq_init;
		fh.ox_id = ox;
		Bytes pl(116, 0);
		pl[0] = fdisc ? els_fdisc : els_flogi;
		put16(pl, 10, 2112);
		put64(pl, 20, wwpn);
		put64(pl, 28, wwpn - 0x1000000000000000ull);
		FipBuilder b(Mac::parse("52:56:00:fc:f0:01"), enode, fip_op_ls, fip_sc_req, fip_fl_fpma);
		b.add_encaps(fdisc ? fip_dt_fdisc : fip_dt_flogi, fh, pl);
		b.add_mac(Mac{});
		auto frame = b.finish();
		sent.clear();
		fcf.receive(frame.data(), frame.size());
		REQUIRE(!sent.empty());
		return sent.back();
	}
	// An NS CT request from FC_ID; returns the CT response payload.
	Bytes ns(std::uint32_t from, std::uint16_t cmd, const Bytes &body)
	{
		FcHeader fh;
		fh.r_ctl = rctl_dd_unsol_ctl;
		fh.d_id = fid_dir_serv;
		fh.s_id = from;
		fh.type = type_ct;
		fh.f_ctl = fctl_first_seq | fctl_end_seq | fctl_seq_init;
		fh.ox_id = 0x55;
		Bytes pl(16, 0);
		pl[0] = 1;
		pl[4] = ct_fst_dir;
		pl[5] = ct_ns_subtype;
		put16(pl, 8, cmd);
		pl.insert(pl.end(), body.begin(), body.end());
		auto frame = fcoe_frame(Mac::parse("52:56:00:fc:f0:01"), Mac::fpma(default_fc_map, from),
					fh, pl);
		sent.clear();
		fcf.receive(frame.data(), frame.size());
		REQUIRE(sent.size() == 1);
		const auto &r = sent[0];
		return Bytes(r.begin() + 52, r.end() - 8);
	}
};

// The ELS inside a FIP LS reply, and its D_ID.
std::pair<std::uint8_t, std::uint32_t> els_of(const Bytes &fip)
{
	REQUIRE(get16(fip.data() + 12) == ethertype_fip);
	REQUIRE(get16(fip.data() + 16) == fip_op_ls);
	REQUIRE(fip[19] == fip_sc_rep);
	const std::uint8_t *d = fip.data() + 24;	// first descriptor
	auto fh = FcHeader::parse(d + 4);
	return {d[4 + 24], fh.d_id};
}

}  // namespace

TEST_CASE("FLOGI, FDISC with NPIV, and the duplicate-WWPN policy")
{
	Harness h;
	Mac e1 = Mac::parse("52:56:00:01:00:00"), e2 = Mac::parse("52:56:00:01:00:01");

	auto r = h.login(e1, 0x2000525600010000ull, false, 1);
	auto [op, id] = els_of(r);
	CHECK(op == els_ls_acc);
	CHECK((id & 0xff00ff) == 0x010000);	// domain 1, port 0
	// F_Port with NPIV granted, and the FPMA in the second descriptor
	const std::uint8_t *acc = r.data() + 24 + 4 + 24;
	CHECK((get16(acc + 8) & (sp_ft_fport | sp_ft_npiv_acc)) == (sp_ft_fport | sp_ft_npiv_acc));
	std::size_t mac_desc = 24 + r[25] * 4u;
	CHECK(r[mac_desc] == fip_dt_mac);
	CHECK(Mac::from(r.data() + mac_desc + 2) == Mac::fpma(default_fc_map, id));

	auto v = h.login(e1, 0x210000005a000001ull, true, 2);
	auto [vop, vid] = els_of(v);
	CHECK(vop == els_ls_acc);
	CHECK(vid == (id | 1));

	// the fabric's timeouts: R_A_TOV 10 s, E_D_TOV as configured (2 s)
	CHECK(get32(acc + 12) == 10000);
	CHECK(get32(acc + 16) == 2000);

	// FDISC before FLOGI is refused
	CHECK(els_of(h.login(e2, 0x210000005a000002ull, true, 3)).first == els_ls_rjt);
	// the same WWPN through another ENode is rejected ...
	h.login(e2, 0x2000525600010001ull, false, 4);
	CHECK(els_of(h.login(e2, 0x210000005a000001ull, true, 5)).first == els_ls_rjt);
	// ... and the first login is untouched
	CHECK(h.fcf.control("status").find("wwpn 21:00:00:00:5a:00:00:01") != std::string::npos);
	// the same port logging in again through its own ENode is fine
	CHECK(els_of(h.login(e1, 0x210000005a000001ull, true, 6)).first == els_ls_acc);
}

TEST_CASE("a configured E_D_TOV is given in FLOGI and FDISC accepts")
{
	Harness h(8000);
	Mac e1 = Mac::parse("52:56:00:01:00:00");
	for (auto [wwpn, npiv] : {std::pair{0x2000525600010000ull, false},
				  std::pair{0x210000005a000001ull, true}}) {
		auto r = h.login(e1, wwpn, npiv, npiv ? 2 : 1);
		REQUIRE(els_of(r).first == els_ls_acc);
		const std::uint8_t *acc = r.data() + 24 + 4 + 24;
		CHECK(get32(acc + 12) == 10000);
		CHECK(get32(acc + 16) == 8000);
	}
}

TEST_CASE("name server registrations and queries")
{
	Harness h;
	Mac e1 = Mac::parse("52:56:00:01:00:00"), e2 = Mac::parse("52:56:00:02:00:00");
	std::uint32_t a = els_of(h.login(e1, 0x2000525600010000ull, false, 1)).second;
	std::uint32_t b = els_of(h.login(e2, 0x2000525600020000ull, false, 2)).second;

	// no FC-4 types registered yet: GPN_FT is rejected with "FC-4 types not registered"
	Bytes ft = {0, 0, 0, type_fcp};
	auto r = h.ns(a, ns_gpn_ft, ft);
	CHECK(get16(r.data() + 8) == ct_rjt);
	CHECK(r[14] == ct_exp_ftnr);

	// RFT_ID for b (FCP), and a may not register for b
	Bytes rft(36, 0);
	put24(rft, 1, b);
	put32(rft, 4, 1u << type_fcp);
	CHECK(get16(h.ns(a, ns_rft_id, rft).data() + 8) == ct_rjt);
	CHECK(get16(h.ns(b, ns_rft_id, rft).data() + 8) == ct_acc);

	r = h.ns(a, ns_gpn_ft, ft);
	REQUIRE(get16(r.data() + 8) == ct_acc);
	REQUIRE(r.size() == 16 + 16);
	CHECK(r[16] == 0x80);	// last entry
	CHECK(get24(r.data() + 17) == b);
	CHECK(get64(r.data() + 24) == 0x2000525600020000ull);

	Bytes fid(4, 0);
	put24(fid, 1, b);
	r = h.ns(a, ns_gpn_id, fid);
	CHECK(get64(r.data() + 16) == 0x2000525600020000ull);
	put24(fid, 1, 0x0a0b0c);
	CHECK(get16(h.ns(a, ns_gpn_id, fid).data() + 8) == ct_rjt);
	Bytes pn(8, 0);
	put64(pn, 0, 0x2000525600020000ull);
	CHECK(get24(h.ns(a, ns_gid_pn, pn).data() + 17) == b);
	CHECK(get16(h.ns(a, 0x0999, {}).data() + 8) == ct_rjt);	// unknown command
}

TEST_CASE("control commands")
{
	Harness h;
	CHECK(h.fcf.control("status").starts_with("fcf 52:56:00:fc:f0:01"));
	CHECK(h.fcf.control("link down nowhere").starts_with("error:"));
	CHECK(h.fcf.control("frobnicate").starts_with("error:"));
}
