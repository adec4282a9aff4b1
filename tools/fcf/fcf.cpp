#include "fcf.hpp"
#include "log.hpp"

#include <algorithm>
#include <sstream>

namespace fcf {

namespace {

constexpr auto vn_ka_period = std::chrono::milliseconds(90000);	// FIP_VN_KA_PERIOD

std::string els_name(std::uint8_t op)
{
	switch (op) {
	case els_ls_rjt: return "LS_RJT";
	case els_ls_acc: return "LS_ACC";
	case els_plogi: return "PLOGI";
	case els_flogi: return "FLOGI";
	case els_logo: return "LOGO";
	case els_fdisc: return "FDISC";
	case els_rscn: return "RSCN";
	case els_scr: return "SCR";
	default: {
		char s[8];
		std::snprintf(s, sizeof s, "0x%02x", op);
		return s;
	}
	}
}

}  // namespace

Fcf::Fcf(Config cfg, Mac fcf_mac, SendFn send, std::unique_ptr<Offload> offload)
	: cfg_(std::move(cfg)), mac_(fcf_mac), send_(std::move(send)), offload_(std::move(offload))
{
	advertiser_ = std::jthread([this](std::stop_token st) {
		std::unique_lock lk(adv_mu_);
		while (!st.stop_requested()) {
			send_advertisement(all_enode_macs, false);
			adv_cv_.wait_for(lk, st, std::chrono::milliseconds(cfg_.fka_ms / 2),
					 [] { return false; });
		}
	});
}

Fcf::~Fcf()
{
	advertiser_.request_stop();
	if (advertiser_.joinable())
		advertiser_.join();
}

Login *Fcf::find_wwpn(std::uint64_t wwpn)
{
	for (auto &[id, l] : logins_)
		if (l.wwpn == wwpn)
			return &l;
	return nullptr;
}

Login *Fcf::find_fc_id(std::uint32_t fc_id)
{
	auto it = logins_.find(fc_id);
	return it == logins_.end() ? nullptr : &it->second;
}

ENode &Fcf::enode_for(const Mac &mac)
{
	auto it = enodes_.find(mac);
	if (it == enodes_.end()) {
		ENode en;
		en.mac = mac;
		// Area bytes are handed out in order of first contact, 1..254.
		std::set<std::uint8_t> used;
		for (auto &[m, e] : enodes_)
			used.insert(e.area);
		std::uint8_t area = 1;
		while (used.contains(area) && area < 254)
			area++;
		en.area = area;
		en.last_ka = Clock::now();
		it = enodes_.emplace(mac, en).first;
	}
	return it->second;
}

void Fcf::receive(const std::uint8_t *f, std::size_t len)
{
	if (len < eth_len)
		return;
	Mac src = Mac::from(f + 6);
	if (src == mac_)
		return;	// our own frame looped back
	switch (get16(f + 12)) {
	case ethertype_fip:
		fip_receive(f, len);
		break;
	case ethertype_fcoe:
		fcoe_receive(f, len);
		break;
	default:
		break;
	}
}

// ---------------------------------------------------------------- FIP

void Fcf::fip_receive(const std::uint8_t *f, std::size_t len)
{
	if (len < eth_len + fip_hdr_len)
		return;
	Mac dst = Mac::from(f), src = Mac::from(f + 6);
	if (dst != mac_ && dst != all_fcf_macs)
		return;
	const std::uint8_t *h = f + eth_len;
	if ((h[0] >> 4) != 1)
		return;
	std::uint16_t op = get16(h + 2);
	std::uint8_t sub = h[5] & 0x0f;
	std::size_t dlen = std::size_t{get16(h + 6)} * 4;
	if (eth_len + fip_hdr_len + dlen > len) {
		debugf("FIP frame from %s: descriptor list longer than the frame", src.str().c_str());
		return;
	}
	const std::uint8_t *desc = h + fip_hdr_len;
	if (!ports_down_.empty() && ports_down_.contains(offload_->port_of(src)))
		return;	// link is down: the port hears nothing
	if (op == fip_op_disc && sub == fip_sc_sol)
		fip_solicitation(src, desc, dlen);
	else if (op == fip_op_ls && sub == fip_sc_req)
		fip_els(src, desc, dlen);
	else if (op == fip_op_ctrl && sub == fip_sc_keep_alive)
		fip_keep_alive(src, desc, dlen);
	else
		debugf("FIP op %u subcode %u from %s ignored", op, sub, src.str().c_str());
}

template <typename F>
static bool for_each_desc(const std::uint8_t *desc, std::size_t dlen, F &&fn)
{
	std::size_t off = 0;
	while (off + 2 <= dlen) {
		std::size_t l = std::size_t{desc[off + 1]} * 4;
		if (l < 4 || off + l > dlen)
			return false;
		fn(desc[off], desc + off, l);
		off += l;
	}
	return true;
}

void Fcf::fip_solicitation(const Mac &src, const std::uint8_t *desc, std::size_t dlen)
{
	Mac enode_mac = src;
	std::uint64_t wwnn = 0;
	std::uint16_t size = 0;
	if (!for_each_desc(desc, dlen, [&](std::uint8_t t, const std::uint8_t *d, std::size_t l) {
		    if (t == fip_dt_mac && l == 8)
			    enode_mac = Mac::from(d + 2);
		    else if (t == fip_dt_name && l == 12)
			    wwnn = get64(d + 4);
		    else if (t == fip_dt_fcoe_size && l == 4)
			    size = get16(d + 2);
	    }))
		return;
	ENode &en = enode_for(src);
	en.wwnn = wwnn;
	en.last_ka = Clock::now();
	debugf("solicitation from ENode %s (WWNN %s, max FCoE size %u)", src.str().c_str(),
	       wwn_str(wwnn).c_str(), size);
	send_advertisement(enode_mac, true);
}

void Fcf::send_advertisement(const Mac &dst, bool solicited)
{
	std::uint16_t flags = fip_fl_fpma | fip_fl_fcf | fip_fl_avail;
	if (solicited)
		flags |= fip_fl_sol;
	FipBuilder b(dst, mac_, fip_op_disc, fip_sc_adv, flags);
	b.add_pri(cfg_.priority);
	b.add_mac(mac_);
	b.add_name(cfg_.switch_name);
	b.add_fab(0, default_fc_map, cfg_.fabric_name);
	b.add_fka(cfg_.fka_ms);
	send_(b.finish());
}

void Fcf::fip_keep_alive(const Mac &src, const std::uint8_t *desc, std::size_t dlen)
{
	// The ENode is named by the MAC descriptor; a VN_Port keep-alive comes
	// from the VN_Port's own FPMA.
	Mac enode = src;
	for_each_desc(desc, dlen, [&](std::uint8_t t, const std::uint8_t *d, std::size_t l) {
		if (t == fip_dt_mac && l == 8)
			enode = Mac::from(d + 2);
	});
	auto it = enodes_.find(enode);
	if (it == enodes_.end())
		return;
	auto now = Clock::now();
	it->second.last_ka = now;
	for_each_desc(desc, dlen, [&](std::uint8_t t, const std::uint8_t *d, std::size_t l) {
		if (t != fip_dt_vn_id || l != 20)
			return;
		std::uint32_t id = get24(d + 9);
		Login *lg = find_fc_id(id);
		if (lg && lg->enode == enode) {
			lg->last_vn_ka = now;
		} else {
			// A VN_Port we do not know (e.g. this FCF restarted or
			// timed it out): clear its virtual link so it logs in again.
			logf("keep-alive from unknown VN_Port %s (WWPN %s) behind ENode %s: "
			     "clearing its virtual link",
			     fcid_str(id).c_str(), wwn_str(get64(d + 12)).c_str(), enode.str().c_str());
			Login ghost;
			ghost.fc_id = id;
			ghost.fpma = Mac::from(d + 2);
			ghost.wwpn = get64(d + 12);
			send_cvl(enode, &ghost);
		}
	});
}

void Fcf::send_cvl(const Mac &enode, const Login *login)
{
	FipBuilder b(enode, mac_, fip_op_ctrl, fip_sc_clr_vlink, fip_fl_fpma);
	b.add_mac(mac_);
	b.add_name(cfg_.switch_name);
	if (login)
		b.add_vn_id(login->fpma, login->fc_id, login->wwpn);
	send_(b.finish());
}

void Fcf::fip_els(const Mac &src, const std::uint8_t *desc, std::size_t dlen)
{
	const std::uint8_t *els = nullptr;
	std::size_t els_len = 0;
	std::uint8_t dtype = 0;
	if (!for_each_desc(desc, dlen, [&](std::uint8_t t, const std::uint8_t *d, std::size_t l) {
		    if ((t == fip_dt_flogi || t == fip_dt_fdisc || t == fip_dt_logo) && !els &&
			l >= 4 + fc_hdr_len + 4) {
			    dtype = t;
			    els = d + 4;
			    els_len = l - 4;
		    }
	    }) || !els) {
		debugf("FIP ELS from %s without a usable ELS descriptor", src.str().c_str());
		return;
	}
	FcHeader fh = FcHeader::parse(els);
	const std::uint8_t *pl = els + fc_hdr_len;
	std::size_t plen = els_len - fc_hdr_len;
	ENode &en = enode_for(src);
	en.last_ka = Clock::now();
	if (dtype == fip_dt_logo)
		fabric_logo(&src, fh, pl, plen);
	else
		fabric_login(en, dtype, fh, pl, plen);
}

void Fcf::send_fip_els_reply(const Mac &enode, std::uint8_t dtype, const FcHeader &req,
			     std::uint32_t d_id, const Bytes &payload, const Mac *granted)
{
	FcHeader fh;
	fh.r_ctl = rctl_els_rep;
	fh.d_id = d_id;
	fh.s_id = req.d_id;
	fh.type = type_els;
	fh.f_ctl = fctl_ex_ctx | fctl_last_seq | fctl_end_seq | fctl_seq_init;
	fh.ox_id = req.ox_id;
	fh.rx_id = next_xid_++;
	FipBuilder b(enode, mac_, fip_op_ls, fip_sc_rep, fip_fl_fpma);
	b.add_encaps(dtype, fh, payload);
	if (granted)
		b.add_mac(*granted);
	send_(b.finish());
}

// ---------------------------------------------------------------- login

Bytes Fcf::flogi_acc(std::uint16_t mfs) const
{
	Bytes p(116, 0);
	p[0] = els_ls_acc;
	p[4] = 0x20;	// FC-PH version
	p[5] = 0x20;
	put16(p, 6, 1);	// BB credit
	put16(p, 8, sp_ft_fport | sp_ft_npiv_acc);
	put16(p, 10, mfs);
	put32(p, 12, Config::r_a_tov_ms);
	put32(p, 16, cfg_.e_d_tov_ms);
	put64(p, 20, cfg_.switch_name);	// F_Port name
	put64(p, 28, cfg_.fabric_name);
	// class 3 service parameters
	put16(p, 68, cpc_valid | cpc_seq);
	put16(p, 74, mfs);
	return p;
}

Bytes Fcf::plogi_acc(std::uint64_t wwpn, std::uint64_t wwnn) const
{
	Bytes p(116, 0);
	p[0] = els_ls_acc;
	p[4] = 0x20;
	p[5] = 0x20;
	put16(p, 6, 1);
	put16(p, 8, 0);
	put16(p, 10, max_payload);
	put16(p, 12, 255);	// total concurrent sequences
	put16(p, 14, 0x1f);	// relative offset by category
	put32(p, 16, cfg_.e_d_tov_ms);
	put64(p, 20, wwpn);
	put64(p, 28, wwnn);
	put16(p, 68, cpc_valid | cpc_seq);
	put16(p, 74, max_payload);
	put16(p, 76, 255);	// concurrent sequences
	p[81] = 1;		// open sequences per exchange
	return p;
}

std::uint32_t Fcf::alloc_fc_id(const ENode &en, bool npiv) const
{
	std::uint32_t base = std::uint32_t{cfg_.domain} << 16 | std::uint32_t{en.area} << 8;
	if (!npiv)
		return base;
	for (std::uint32_t port = 1; port < 256; port++)
		if (!logins_.contains(base | port))
			return base | port;
	return 0;
}

void Fcf::fabric_login(ENode &en, std::uint8_t dtype, const FcHeader &fh,
		       const std::uint8_t *pl, std::size_t plen)
{
	bool npiv = dtype == fip_dt_fdisc;
	const char *what = npiv ? "FDISC" : "FLOGI";
	auto reject = [&](std::uint8_t reason, std::uint8_t explan) {
		Bytes rjt(8, 0);
		rjt[0] = els_ls_rjt;
		rjt[5] = reason;
		rjt[6] = explan;
		send_fip_els_reply(en.mac, dtype, fh, fh.s_id, rjt, nullptr);
	};
	if (plen < 36 || pl[0] != (npiv ? els_fdisc : els_flogi)) {
		logf("%s from ENode %s: malformed request (%zu bytes, command %s)", what,
		     en.mac.str().c_str(), plen, els_name(plen ? pl[0] : 0).c_str());
		reject(els_rjt_logic, els_expl_none);
		return;
	}
	std::uint64_t wwpn = get64(pl + 20), wwnn = get64(pl + 28);
	std::uint16_t mfs = get16(pl + 10) & 0xfff;
	if (plen >= 76) {
		std::uint16_t rdfs = get16(pl + 74);
		if (rdfs >= min_payload && rdfs < mfs)
			mfs = rdfs;
	}
	mfs = std::clamp<std::uint16_t>(mfs, min_payload, max_payload);

	if (Login *dup = find_wwpn(wwpn)) {
		if (dup->enode != en.mac) {
			std::string dport = offload_->port_of(dup->enode);
			std::string port = offload_->port_of(en.mac);
			logf("duplicate WWPN %s: rejecting %s from ENode %s on %s; already logged "
			     "in as %s through ENode %s on %s",
			     wwn_str(wwpn).c_str(), what, en.mac.str().c_str(),
			     port.empty() ? "?" : port.c_str(),
			     fcid_str(dup->fc_id).c_str(), dup->enode.str().c_str(),
			     dport.empty() ? "?" : dport.c_str());
			reject(els_rjt_unab, els_expl_inv_port_name);
			return;
		}
		// The same port logging in again: the old login is implicitly gone.
		if (npiv)
			logout(dup->fc_id, "logged in again");
	}
	if (!npiv) {
		// A new FLOGI ends every earlier login of this ENode.
		logout_enode(en.mac, "ENode sent a new FLOGI");
	} else if (!en.logged_in) {
		logf("FDISC for WWPN %s from ENode %s without a fabric login: rejected",
		     wwn_str(wwpn).c_str(), en.mac.str().c_str());
		reject(els_rjt_logic, els_expl_none);
		return;
	}
	std::uint32_t id = alloc_fc_id(en, npiv);
	if (!id) {
		logf("%s for WWPN %s: no free N_Port ID behind ENode %s", what, wwn_str(wwpn).c_str(),
		     en.mac.str().c_str());
		reject(els_rjt_unab, els_expl_none);
		return;
	}
	Login lg;
	lg.fc_id = id;
	lg.wwpn = wwpn;
	lg.wwnn = wwnn;
	lg.enode = en.mac;
	lg.fpma = Mac::fpma(default_fc_map, id);
	lg.npiv = npiv;
	lg.last_vn_ka = Clock::now();
	offload_->add(id, lg.fpma, en.mac);
	logins_[id] = lg;
	if (!npiv)
		en.logged_in = true;
	logf("%s: WWPN %s WWNN %s ENode %s -> N_Port ID %s MAC %s", what, wwn_str(wwpn).c_str(),
	     wwn_str(wwnn).c_str(), en.mac.str().c_str(), fcid_str(id).c_str(),
	     lg.fpma.str().c_str());
	send_fip_els_reply(en.mac, dtype, fh, id, flogi_acc(mfs), &lg.fpma);
}

void Fcf::fabric_logo(const Mac *via_fip_enode, const FcHeader &fh, const std::uint8_t *pl,
		      std::size_t plen)
{
	std::uint32_t id = fh.s_id;
	Login *lg = find_fc_id(id);
	Bytes acc(4, 0);
	acc[0] = els_ls_acc;
	if (plen >= 12 && lg && get24(pl + 5) != id)
		debugf("LOGO from %s names N_Port ID %s", fcid_str(id).c_str(),
		       fcid_str(get24(pl + 5)).c_str());
	Mac fpma = lg ? lg->fpma : Mac::fpma(default_fc_map, id);
	if (lg)
		logout(id, "fabric LOGO");
	if (via_fip_enode)
		send_fip_els_reply(*via_fip_enode, fip_dt_logo, fh, id, acc, &fpma);
	else
		reply(fh, rctl_els_rep, type_els, acc);
}

void Fcf::logout(std::uint32_t fc_id, const char *why, bool notify)
{
	auto it = logins_.find(fc_id);
	if (it == logins_.end())
		return;
	Login lg = it->second;
	offload_->remove(fc_id);
	logins_.erase(it);
	if (!lg.npiv) {
		auto en = enodes_.find(lg.enode);
		if (en != enodes_.end())
			en->second.logged_in = false;
	}
	logf("logout: WWPN %s N_Port ID %s (%s)", wwn_str(lg.wwpn).c_str(), fcid_str(fc_id).c_str(),
	     why);
	if (notify)
		send_rscn(fc_id);
}

void Fcf::logout_enode(const Mac &enode, const char *why)
{
	std::vector<std::uint32_t> ids;
	for (auto &[id, l] : logins_)
		if (l.enode == enode)
			ids.push_back(id);
	for (auto id : ids)
		logout(id, why);
}

// ---------------------------------------------------------------- FCoE

void Fcf::fcoe_receive(const std::uint8_t *f, std::size_t len)
{
	constexpr std::size_t fc_off = eth_len + fcoe_hdr_len;
	if (len < fc_off + fc_hdr_len + fcoe_trailer_len)
		return;
	FcHeader fh = FcHeader::parse(f + fc_off);
	const std::uint8_t *pl = f + fc_off + fc_hdr_len;
	std::size_t plen = len - fc_off - fc_hdr_len - fcoe_trailer_len;
	// Fill bytes at the end of the payload (F_CTL bits 1..0).
	plen -= std::min<std::size_t>(plen, fh.f_ctl & 3);

	if (fh.d_id < fid_well_known_min) {
		if (Login *dst = find_fc_id(fh.d_id))
			forward(f, len, *dst);
		else
			debugf("frame for unknown N_Port ID %s from %s dropped",
			       fcid_str(fh.d_id).c_str(), fcid_str(fh.s_id).c_str());
		return;
	}
	bool is_request = !(fh.f_ctl & fctl_ex_ctx);
	if (!is_request)
		return;	// e.g. an LS_ACC to our RSCN
	if (!find_fc_id(fh.s_id)) {
		debugf("request to %s from N_Port ID %s that is not logged in: dropped",
		       fcid_str(fh.d_id).c_str(), fcid_str(fh.s_id).c_str());
		return;
	}
	if (fh.type == type_els && fh.r_ctl == rctl_els_req && plen >= 4) {
		std::uint8_t op = pl[0];
		debugf("ELS %s from %s to %s", els_name(op).c_str(), fcid_str(fh.s_id).c_str(),
		       fcid_str(fh.d_id).c_str());
		if (fh.d_id == fid_flogi && op == els_logo) {
			fabric_logo(nullptr, fh, pl, plen);
		} else if (fh.d_id == fid_dir_serv && op == els_plogi) {
			reply(fh, rctl_els_rep, type_els,
			      plogi_acc(0x20fc0000fcf00001ull, cfg_.switch_name));
		} else if (fh.d_id == fid_dir_serv && op == els_logo) {
			Bytes acc(4, 0);
			acc[0] = els_ls_acc;
			reply(fh, rctl_els_rep, type_els, acc);
		} else if (fh.d_id == fid_fctrl) {
			fabric_controller(fh, pl, plen);
		} else {
			reply_ls_rjt(fh, els_rjt_unsup, els_expl_none);
		}
		return;
	}
	if (fh.type == type_ct && fh.r_ctl == rctl_dd_unsol_ctl) {
		if (fh.d_id == fid_dir_serv) {
			name_server(fh, pl, plen);
		} else if (plen >= 16) {
			Bytes rsp(pl, pl + 16);
			put16(rsp, 8, ct_rjt);
			rsp[13] = ct_rjt_cmd;
			reply(fh, rctl_dd_sol_ctl, type_ct, rsp);
		}
		return;
	}
	debugf("frame r_ctl %02x type %02x to %s ignored", fh.r_ctl, fh.type,
	       fcid_str(fh.d_id).c_str());
}

void Fcf::forward(const std::uint8_t *f, std::size_t len, const Login &dst)
{
	Bytes b(f, f + len);
	std::copy(dst.fpma.b.begin(), dst.fpma.b.end(), b.begin());
	std::copy(mac_.b.begin(), mac_.b.end(), b.begin() + 6);
	send_(b);
	slow_forwarded_++;
}

void Fcf::send_fc(const FcHeader &fh, const Bytes &payload)
{
	Login *lg = find_fc_id(fh.d_id);
	Mac dst = lg ? lg->fpma : Mac::fpma(default_fc_map, fh.d_id);
	send_(fcoe_frame(dst, mac_, fh, payload));
}

void Fcf::reply(const FcHeader &req, std::uint8_t r_ctl, std::uint8_t type, const Bytes &payload)
{
	FcHeader fh;
	fh.r_ctl = r_ctl;
	fh.d_id = req.s_id;
	fh.s_id = req.d_id;
	fh.type = type;
	fh.f_ctl = fctl_ex_ctx | fctl_last_seq | fctl_end_seq | fctl_seq_init;
	fh.seq_id = static_cast<std::uint8_t>(req.seq_id + 1);
	fh.ox_id = req.ox_id;
	fh.rx_id = next_xid_++;
	send_fc(fh, payload);
}

void Fcf::reply_ls_rjt(const FcHeader &req, std::uint8_t reason, std::uint8_t explan)
{
	Bytes rjt(8, 0);
	rjt[0] = els_ls_rjt;
	rjt[5] = reason;
	rjt[6] = explan;
	reply(req, rctl_els_rep, type_els, rjt);
}

void Fcf::fabric_controller(const FcHeader &fh, const std::uint8_t *pl, std::size_t plen)
{
	if (pl[0] != els_scr || plen < 8) {
		reply_ls_rjt(fh, els_rjt_unsup, els_expl_none);
		return;
	}
	Login *lg = find_fc_id(fh.s_id);
	lg->scr = true;
	Bytes acc(4, 0);
	acc[0] = els_ls_acc;
	reply(fh, rctl_els_rep, type_els, acc);
	logf("SCR: %s (WWPN %s) registered for RSCN; announcing it to the fabric",
	     fcid_str(fh.s_id).c_str(), wwn_str(lg->wwpn).c_str());
	// The port has finished its fabric registrations: tell the others.
	send_rscn(fh.s_id);
}

void Fcf::send_rscn(std::uint32_t affected)
{
	for (auto &[id, l] : logins_) {
		if (!l.scr || id == affected)
			continue;
		FcHeader fh;
		fh.r_ctl = rctl_els_req;
		fh.d_id = id;
		fh.s_id = fid_fctrl;
		fh.type = type_els;
		fh.f_ctl = fctl_first_seq | fctl_end_seq | fctl_seq_init;
		fh.ox_id = next_xid_++;
		fh.rx_id = 0xffff;
		Bytes p(8, 0);
		p[0] = els_rscn;
		p[1] = 4;	// page length
		put16(p, 2, 8);	// payload length
		p[4] = 0;	// port address format
		put24(p, 5, affected);
		debugf("RSCN to %s about %s", fcid_str(id).c_str(), fcid_str(affected).c_str());
		send_fc(fh, p);
	}
}

void Fcf::name_server(const FcHeader &fh, const std::uint8_t *pl, std::size_t plen)
{
	if (plen < 16)
		return;
	std::uint16_t cmd = get16(pl + 8);
	const std::uint8_t *body = pl + 16;
	std::size_t blen = plen - 16;
	Bytes rsp(pl, pl + 16);
	rsp[12] = rsp[13] = rsp[14] = 0;
	put16(rsp, 10, 0);
	auto accept = [&](const Bytes &extra = {}) {
		put16(rsp, 8, ct_acc);
		rsp.insert(rsp.end(), extra.begin(), extra.end());
		reply(fh, rctl_dd_sol_ctl, type_ct, rsp);
	};
	auto reject = [&](std::uint8_t reason, std::uint8_t explan) {
		put16(rsp, 8, ct_rjt);
		rsp[13] = reason;
		rsp[14] = explan;
		reply(fh, rctl_dd_sol_ctl, type_ct, rsp);
	};
	if (pl[0] != 1 || pl[4] != ct_fst_dir || pl[5] != ct_ns_subtype) {
		reject(ct_rjt_cmd, ct_exp_none);
		return;
	}
	Login *self = find_fc_id(fh.s_id);
	auto target_of = [&](std::size_t off) -> Login * {
		if (blen < off + 4)
			return nullptr;
		return find_fc_id(get24(body + off + 1));
	};
	debugf("NS command 0x%04x from %s", cmd, fcid_str(fh.s_id).c_str());
	switch (cmd) {
	case ns_rnn_id:
	case ns_rpn_id:
	case ns_rspn_id:
	case ns_rft_id:
	case ns_rff_id: {
		Login *t = target_of(0);
		if (!t || t != self) {
			reject(ct_rjt_unabl, ct_exp_pid);
			return;
		}
		if (cmd == ns_rnn_id && blen >= 12)
			t->wwnn = get64(body + 4);
		if (cmd == ns_rft_id && blen >= 36)
			for (std::size_t i = 0; i < 8; i++)
				t->fc4_types[i] = get32(body + 4 + 4 * i);
		if (cmd == ns_rff_id && blen >= 8)
			t->fc4_features[body[7]] = body[6];
		if (cmd == ns_rspn_id && blen >= 5)
			t->spn.assign(reinterpret_cast<const char *>(body + 5),
				      std::min<std::size_t>(body[4], blen - 5));
		accept();
		return;
	}
	case ns_rsnn_nn:
		accept();
		return;
	case ns_gpn_ft:
	case ns_gid_ft: {
		if (blen < 4) {
			reject(ct_rjt_unabl, ct_exp_none);
			return;
		}
		std::uint8_t type = body[3];
		Bytes list;
		for (auto &[id, l] : logins_) {
			if (!(l.fc4_types[type / 32] & (1u << (type % 32))))
				continue;
			std::size_t o = list.size();
			list.resize(o + (cmd == ns_gpn_ft ? 16 : 4), 0);
			put24(list, o + 1, id);
			if (cmd == ns_gpn_ft)
				put64(list, o + 8, l.wwpn);
			if (list.size() + 16 + 16 > max_payload)
				break;
		}
		if (list.empty()) {
			reject(ct_rjt_unabl, ct_exp_ftnr);
			return;
		}
		list[list.size() - (cmd == ns_gpn_ft ? 16 : 4)] |= 0x80;	// last entry
		accept(list);
		return;
	}
	case ns_gpn_id:
	case ns_gnn_id:
	case ns_gft_id:
	case ns_gff_id:
	case ns_gspn_id: {
		Login *t = target_of(0);
		if (!t) {
			reject(ct_rjt_unabl, ct_exp_pid);
			return;
		}
		Bytes out;
		if (cmd == ns_gpn_id || cmd == ns_gnn_id) {
			out.resize(8);
			put64(out, 0, cmd == ns_gpn_id ? t->wwpn : t->wwnn);
		} else if (cmd == ns_gft_id) {
			out.resize(32);
			for (std::size_t i = 0; i < 8; i++)
				put32(out, 4 * i, t->fc4_types[i]);
		} else if (cmd == ns_gff_id) {
			// 4 feature bits per FC-4 type, 8 types per word.
			out.resize(128);
			for (std::size_t type = 0; type < 256; type++) {
				std::uint32_t v = t->fc4_features[type] & 0xfu;
				if (!v)
					continue;
				std::size_t w = type / 8, shift = (type % 8) * 4;
				put32(out, 4 * w, get32(out.data() + 4 * w) | v << shift);
			}
		} else {
			out.push_back(static_cast<std::uint8_t>(std::min<std::size_t>(t->spn.size(), 255)));
			out.insert(out.end(), t->spn.begin(), t->spn.begin() + out[0]);
			while (out.size() % 4)
				out.push_back(0);
		}
		accept(out);
		return;
	}
	case ns_gid_pn: {
		if (blen < 8) {
			reject(ct_rjt_unabl, ct_exp_none);
			return;
		}
		Login *t = find_wwpn(get64(body));
		if (!t) {
			reject(ct_rjt_unabl, ct_exp_pnam);
			return;
		}
		Bytes out(4, 0);
		put24(out, 1, t->fc_id);
		accept(out);
		return;
	}
	default:
		reject(ct_rjt_cmd, ct_exp_none);
		return;
	}
}

// ---------------------------------------------------------------- timers

void Fcf::tick(Clock::time_point now)
{
	auto fka = std::chrono::milliseconds(cfg_.fka_ms);
	// An ENode that missed its keep-alives for 3 periods has gone away.
	std::vector<Mac> gone;
	for (auto &[m, en] : enodes_)
		if (en.logged_in && now - en.last_ka > 3 * fka)
			gone.push_back(m);
	for (auto &m : gone) {
		logf("ENode %s: no keep-alive for %lld ms: logging out its ports", m.str().c_str(),
		     static_cast<long long>(
			     std::chrono::duration_cast<std::chrono::milliseconds>(3 * fka).count()));
		logout_enode(m, "ENode keep-alive timeout");
		send_cvl(m, nullptr);	// if it is still there, it must log in again
	}
	std::vector<std::uint32_t> stale;
	for (auto &[id, l] : logins_)
		if (now - l.last_vn_ka > vn_ka_period * 5 / 2)
			stale.push_back(id);
	for (auto id : stale) {
		Login lg = logins_[id];
		logout(id, "VN_Port keep-alive timeout");
		send_cvl(lg.enode, &lg);
	}
}

// ---------------------------------------------------------------- control

std::string Fcf::link(const std::string &port, bool up)
{
	if (std::find(cfg_.ports.begin(), cfg_.ports.end(), port) == cfg_.ports.end())
		return "error: " + port + " is not one of this FCF's ports\n";
	if (!up) {
		ports_down_.insert(port);
		std::vector<Mac> on_port;
		for (auto &[m, en] : enodes_)
			if (offload_->port_of(m) == port)
				on_port.push_back(m);
		for (auto &m : on_port) {
			logout_enode(m, "link down");
			enodes_.erase(m);
		}
		offload_->drain();	// its rules are gone before the link is
	}
	auto r = run_cmd({"ip", "link", "set", "dev", port, up ? "up" : "down"});
	if (r.status != 0)
		return "error: ip link set " + port + ": " + r.out;
	if (up)
		ports_down_.erase(port);
	logf("link %s: %s", up ? "up" : "down", port.c_str());
	return "ok\n";
}

std::string Fcf::status() const
{
	std::ostringstream o;
	o << "fcf " << mac_.str() << " fabric " << wwn_str(cfg_.fabric_name) << " switch "
	  << wwn_str(cfg_.switch_name) << " offload " << (offload_->rules_enabled() ? "on" : "off")
	  << " userspace-forwarded " << slow_forwarded_ << "\n";
	for (auto &p : cfg_.ports)
		o << "port " << p << (ports_down_.contains(p) ? " down" : " up") << "\n";
	for (auto &[m, en] : enodes_) {
		auto port = offload_->port_of(m);
		o << "enode " << m.str() << " port " << (port.empty() ? "?" : port)
		  << (en.logged_in ? " logged-in" : "") << "\n";
	}
	for (auto &[id, l] : logins_) {
		auto port = offload_->port_of(l.enode);
		const char *fwd = "pending";
		switch (offload_->state(id)) {
		case Offload::State::kernel: fwd = "kernel"; break;
		case Offload::State::userspace: fwd = "userspace"; break;
		default: break;
		}
		o << "login " << fcid_str(id) << " wwpn " << wwn_str(l.wwpn) << " wwnn "
		  << wwn_str(l.wwnn) << " " << (l.npiv ? "fdisc" : "flogi") << " port "
		  << (port.empty() ? "?" : port) << " forwarding " << fwd << (l.scr ? " scr" : "")
		  << "\n";
	}
	return o.str();
}

std::string Fcf::control(const std::string &line)
{
	std::istringstream in(line);
	std::string cmd, arg1, arg2;
	in >> cmd >> arg1 >> arg2;
	if (cmd == "link" && (arg1 == "down" || arg1 == "up") && !arg2.empty())
		return link(arg2, arg1 == "up");
	if (cmd == "status" && arg1.empty())
		return status();
	return "error: unknown command '" + line + "' (try: status | link down PORT | link up PORT)\n";
}

}  // namespace fcf
