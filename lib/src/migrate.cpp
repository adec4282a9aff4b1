// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/migrate.hpp"

#include "vport/pr.hpp"
#include "vport/qmp.hpp"
#include "vport/vports.hpp"

#include "scsi_bsg.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <thread>
#include <tuple>

namespace vport {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t)
{
	return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string key_text(std::uint64_t key)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(key));
	return buf;
}

std::string lun_name(Wwn target, std::uint64_t lun)
{
	return "target " + target.colon() + " LUN " + std::to_string(lun);
}

std::string ids_text(const std::vector<Designator> &ids)
{
	if (ids.empty())
		return "none";
	std::string s;
	for (const auto &d : ids)
		s += (s.empty() ? "" : ",") + d.type + ":" + d.value;
	return s;
}

std::vector<Designator> sorted(std::vector<Designator> v)
{
	std::sort(v.begin(), v.end(), [](const Designator &a, const Designator &b) {
		return std::tie(a.type, a.value) < std::tie(b.type, b.value);
	});
	return v;
}

using LunKey = std::pair<std::uint64_t, std::uint64_t>; // target WWPN, LUN

LunKey key_of(const ProbedLun &l)
{
	return {l.target.value(), l.lun};
}

// The SCSI host of the vport with @p wwpn in this host's module.
std::string host_of(Wwn wwpn, const char *role)
{
	VportState st = get_vport(wwpn);
	if (!st.host)
		throw MigrationError(std::string("vport ") + role + " " + wwpn.colon() +
				     " has no SCSI host (it is not logged in)");
	return *st.host;
}

PrStep step_for(const detail::HostLun &hl, std::string action, std::uint64_t key, std::uint8_t type,
		std::string detail)
{
	return {hl.hctl, hl.target, hl.lun, std::move(action), key, type, std::move(detail)};
}

std::string status_of(QmpClient &qmp, const char *command)
{
	auto r = qmp.execute(command);
	return r.value("status", std::string());
}

// Tells a QEMU to quit (closing our connection) and waits until vport
// @p wwpn, whose last fd it held, has left the module.
bool quit_and_wait_gone(std::optional<QmpClient> &qmp, Wwn wwpn, std::chrono::milliseconds timeout)
{
	try {
		qmp->execute("quit");
	} catch (const Error &) {
		// QEMU may close the socket before it answers.
	}
	qmp.reset();
	return wait_vport_gone(wwpn, timeout);
}

} // namespace

MigrationSource describe_source(Wwn wwpn)
{
	VportState st = get_vport(wwpn);
	MigrationSource src;
	src.wwpn = st.wwpn;
	src.wwnn = st.wwnn;
	for (const auto &rp : st.rports)
		if (rp.target_id)
			src.targets.push_back({rp.wwpn, *rp.target_id});
	std::sort(src.targets.begin(), src.targets.end(),
		  [](const Target &a, const Target &b) { return a.id < b.id; });
	if (!st.host)
		throw MigrationError("vport " + wwpn.colon() + " has no SCSI host (it is not logged in)");
	src.luns = probe_luns(*st.host);
	return src;
}

nlohmann::json to_json(const MigrationSource &src)
{
	nlohmann::json j;
	j["wwpn"] = src.wwpn.colon();
	j["wwnn"] = src.wwnn.colon();
	j["targets"] = nlohmann::json::array();
	for (const auto &t : src.targets)
		j["targets"].push_back({{"id", t.id}, {"wwpn", t.wwpn.colon()}});
	j["luns"] = nlohmann::json::array();
	for (const auto &l : src.luns) {
		nlohmann::json x{{"target", l.target.colon()}, {"lun", l.lun}};
		x["ids"] = nlohmann::json::array();
		for (const auto &d : l.designators)
			x["ids"].push_back(d.type + ":" + d.value);
		if (l.peripheral_type >= 0) {
			x["type"] = l.peripheral_type;
			x["vendor"] = l.vendor;
			x["product"] = l.product;
		}
		if (l.block_size) {
			x["blocks"] = l.blocks;
			x["block_size"] = l.block_size;
		}
		if (!l.error.empty())
			x["error"] = l.error;
		j["luns"].push_back(std::move(x));
	}
	return j;
}

MigrationSource migration_source_from_json(const nlohmann::json &j)
{
	auto wwn = [](const nlohmann::json &o, const char *k, const std::string &where) {
		if (!o.is_object() || !o.contains(k) || !o[k].is_string())
			throw MigrationError("migration source: " + where + ": no \"" + k + "\" string");
		try {
			return Wwn::parse_any(o[k].get<std::string>());
		} catch (const WwnError &e) {
			throw MigrationError("migration source: " + where + "." + k + ": " + e.what());
		}
	};
	auto uint = [](const nlohmann::json &o, const char *k, const std::string &where) -> std::uint64_t {
		if (!o.contains(k) || !o[k].is_number_unsigned())
			throw MigrationError("migration source: " + where + ": no \"" + k + "\" number");
		return o[k].get<std::uint64_t>();
	};
	MigrationSource src;
	src.wwpn = wwn(j, "wwpn", "top level");
	src.wwnn = wwn(j, "wwnn", "top level");
	if (!j.contains("targets") || !j["targets"].is_array() || !j.contains("luns") || !j["luns"].is_array())
		throw MigrationError("migration source: needs \"targets\" and \"luns\" arrays");
	for (std::size_t i = 0; i < j["targets"].size(); i++) {
		const auto &t = j["targets"][i];
		std::string where = "targets[" + std::to_string(i) + "]";
		auto id = uint(t, "id", where);
		if (id > 0xffff)
			throw MigrationError("migration source: " + where + ".id " + std::to_string(id) + " is too big");
		src.targets.push_back({wwn(t, "wwpn", where), static_cast<std::uint32_t>(id)});
	}
	for (std::size_t i = 0; i < j["luns"].size(); i++) {
		const auto &o = j["luns"][i];
		std::string where = "luns[" + std::to_string(i) + "]";
		ProbedLun l;
		l.target = wwn(o, "target", where);
		l.lun = uint(o, "lun", where);
		if (o.contains("ids")) {
			for (const auto &d : o["ids"]) {
				std::string s = d.is_string() ? d.get<std::string>() : "";
				auto colon = s.find(':');
				if (colon == std::string::npos || colon == 0)
					throw MigrationError("migration source: " + where + ".ids: '" + s +
							     "' is not TYPE:VALUE");
				l.designators.push_back({s.substr(0, colon), s.substr(colon + 1)});
			}
		}
		l.peripheral_type = o.value("type", -1);
		l.vendor = o.value("vendor", std::string());
		l.product = o.value("product", std::string());
		l.blocks = o.value("blocks", std::uint64_t{0});
		l.block_size = o.value("block_size", std::uint32_t{0});
		l.error = o.value("error", std::string());
		src.luns.push_back(std::move(l));
	}
	return src;
}

std::vector<std::string> compare_luns(const std::vector<ProbedLun> &a, const std::vector<ProbedLun> &b)
{
	std::vector<std::string> out;
	std::map<LunKey, const ProbedLun *> bs;
	for (const auto &l : b)
		bs[key_of(l)] = &l;
	std::set<LunKey> seen;
	for (const auto &l : a) {
		seen.insert(key_of(l));
		const std::string name = lun_name(l.target, l.lun);
		auto it = bs.find(key_of(l));
		if (it == bs.end()) {
			out.push_back(name + ": A sees it, B does not");
			continue;
		}
		const ProbedLun &m = *it->second;
		if (l.designators.empty()) {
			out.push_back(name + ": A's identity is unknown (" +
				      (l.error.empty() ? std::string("no VPD 0x83 designator") : l.error) + ")");
			continue;
		}
		if (sorted(l.designators) != sorted(m.designators)) {
			out.push_back(name + ": identity differs: A " + ids_text(l.designators) + ", B " +
				      ids_text(m.designators) + (m.error.empty() ? "" : " (" + m.error + ")"));
			continue;
		}
		if (l.block_size && m.block_size && (l.blocks != m.blocks || l.block_size != m.block_size))
			out.push_back(name + ": capacity differs: A " + std::to_string(l.blocks) + " x " +
				      std::to_string(l.block_size) + ", B " + std::to_string(m.blocks) + " x " +
				      std::to_string(m.block_size));
	}
	for (const auto &l : b)
		if (!seen.count(key_of(l)))
			out.push_back(lun_name(l.target, l.lun) + ": B sees it, A does not (LUN masking differs)");
	return out;
}

std::vector<std::string> undo_registrations(const Prepared &p)
{
	std::vector<std::string> failed;
	for (const auto &s : p.pr) {
		if (s.action != "registered")
			continue;
		try {
			PrLun(s.hctl).unregister(s.key);
		} catch (const Error &e) {
			failed.push_back("LUN " + s.hctl + ": " + e.what());
		}
	}
	return failed;
}

void require_incoming(QmpClient &qmp, const std::string &name)
{
	const std::string st = status_of(qmp, "query-status");
	if (st != "inmigrate")
		throw MigrationError("destination QEMU (" + name + ") is '" + st +
				     "', not waiting for an incoming migration: start it with -incoming defer "
				     "(a vport is hot-plugged only into a migration destination). Nothing changed");
}

void attach_prepared(QmpClient &qmp, const Prepared &p, Wwn wwpn, AttachOptions opts)
{
	if (!opts.extra.contains("migratable"))
		opts.extra["migratable"] = "on";
	try {
		attach_vhost_scsi(qmp, p.vport.fd(), wwpn.naa_form(), opts);
	} catch (const QmpCommandError &e) {
		std::string undo = "B's registrations were undone";
		const auto left = undo_registrations(p);
		for (std::size_t i = 0; i < left.size(); i++)
			undo = (i ? undo + "; " : "B stays registered on ") + left[i];
		throw MigrationError("vport " + wwpn.colon() + ": the destination QEMU refused device " + opts.id +
				     ": " + e.desc() + " (QEMU closed its copy of the fd; " + undo +
				     "; vport B goes with its fd)");
	}
}

Prepared prepare_migration(const MigrationSource &src, const CreateRequest &dst, std::chrono::milliseconds lun_wait)
{
	const auto t0 = Clock::now();
	const std::string who = "vport " + dst.wwpn.colon();
	if (dst.wwpn.value() == src.wwpn.value())
		throw MigrationError(who + ": the destination needs the VM's other WWPN; " + src.wwpn.colon() +
				     " is A's, and a WWPN logs in to the fabric only once");
	Prepared p;
	p.vport = Vport::create(dst);
	if (!src.targets.empty()) {
		p.vport.set_targets(src.targets);
		auto got = p.vport.targets();
		auto want = src.targets;
		auto by_id = [](const Target &x, const Target &y) { return x.id < y.id; };
		std::sort(got.begin(), got.end(), by_id);
		std::sort(want.begin(), want.end(), by_id);
		if (got != want)
			throw MigrationError(who + ": the target-id table did not take (" + std::to_string(got.size()) +
					     " entries instead of " + std::to_string(want.size()) + "); vport deleted");
	}
	p.info = p.vport.info();

	// The vport's SCSI scan runs after the login: wait for A's LUNs.
	std::set<LunKey> want;
	for (const auto &l : src.luns)
		want.insert(key_of(l));
	const auto deadline = Clock::now() + lun_wait;
	for (;;) {
		std::set<LunKey> have;
		for (const auto &hl : detail::host_luns(p.info.host))
			have.insert({hl.target.value(), hl.lun});
		if (std::includes(have.begin(), have.end(), want.begin(), want.end()) || Clock::now() >= deadline)
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(200));
	}
	p.luns = probe_luns(p.info.host);
	auto problems = compare_luns(src.luns, p.luns);
	if (!problems.empty()) {
		std::string msg = who + " does not see what A (" + src.wwpn.colon() + ") sees, so it may not take over:";
		for (const auto &s : problems)
			msg += "\n  " + s;
		throw MigrationError(msg + "\n(vport " + dst.wwpn.colon() + " deleted; nothing else changed)");
	}

	// Register B with A's key on every LUN where A is registered, so that
	// the PREEMPT at switch-over can hand it A's reservation.
	try {
		for (const auto &hl : detail::host_luns(p.info.host)) {
			PrLun lun(hl.hctl);
			PrStatus st = lun.read_full_status();
			auto a = st.of(src.wwpn);
			if (a.empty())
				continue;
			const std::uint64_t key = a.front()->key;
			bool done = false;
			for (const auto *r : st.of(dst.wwpn))
				done |= r->key == key;
			if (!done)
				lun.register_key(key);
			const auto *h = st.holder();
			p.pr.push_back(step_for(hl, done ? "none" : "registered", key, h ? h->type : 0,
						"A is registered with key " + key_text(key) +
							(h && h->initiator && h->initiator->value() == src.wwpn.value()
								 ? " and holds the reservation (" + pr_type_name(h->type) + ")"
								 : "")));
		}
	} catch (const Error &e) {
		undo_registrations(p);
		throw MigrationError(who + ": registering for A's reservations failed: " + e.what() +
				     " (registrations made were undone, vport deleted)");
	}
	p.ms = ms_since(t0);
	return p;
}

std::vector<PrStep> move_reservations(Wwn from, Wwn to)
{
	const std::string host = host_of(to, "B");
	std::vector<PrStep> steps;
	// Keys A held per LUN (by target and LUN), for the check afterwards.
	std::map<LunKey, std::uint64_t> moved;
	for (const auto &hl : detail::host_luns(host)) {
		PrLun lun(hl.hctl);
		PrStatus st = lun.read_full_status();
		auto a = st.of(from);
		if (a.empty()) {
			steps.push_back(step_for(hl, "none", 0, st.holder() ? st.holder()->type : 0,
						 "A is not registered"));
			continue;
		}
		const std::uint64_t key = a.front()->key;
		bool registered = false;
		for (const auto *r : st.of(to))
			registered |= r->key == key;
		if (!registered)
			throw MigrationError("LUN " + hl.hctl + " (" + lun_name(hl.target, hl.lun) + "): B " + to.colon() +
					     " is not registered with A's key " + key_text(key) +
					     ", so it cannot take A's place (did migrate prepare run?); the reservation "
					     "stays with A " + from.colon());
		const PrRegistration *h = st.holder();
		const bool a_holds = h && h->key == key;
		const std::uint8_t type = h ? h->type : 1;
		lun.preempt(key, key, type);
		moved[{hl.target.value(), hl.lun}] = key;
		steps.push_back(step_for(hl, "preempted", key, h ? type : 0,
					 a_holds ? "B took over A's " + pr_type_name(type) +
							   " reservation; A's registration removed"
						 : "A's registration removed (A held no reservation)"));
	}
	// Check, and re-register B's other paths: PREEMPT removes every
	// registration with the key but the issuing nexus's own.
	for (const auto &hl : detail::host_luns(host)) {
		auto it = moved.find({hl.target.value(), hl.lun});
		if (it == moved.end())
			continue;
		PrLun lun(hl.hctl);
		PrStatus st = lun.read_full_status();
		bool registered = false;
		for (const auto *r : st.of(to))
			registered |= r->key == it->second;
		if (!registered)
			lun.register_key(it->second);
		if (!st.of(from).empty())
			throw MigrationError("LUN " + hl.hctl + ": A " + from.colon() +
					     " is still registered after PREEMPT");
	}
	return steps;
}

std::vector<PrStep> drop_reservations(Wwn from, Wwn to)
{
	const std::string host = host_of(to, "B");
	std::vector<PrStep> steps;
	for (const auto &hl : detail::host_luns(host)) {
		PrLun lun(hl.hctl);
		PrStatus st = lun.read_full_status();
		auto b = st.of(to);
		if (b.empty()) {
			steps.push_back(step_for(hl, "none", 0, 0, "B is not registered"));
			continue;
		}
		auto a = st.of(from);
		const std::uint64_t key = b.front()->key;
		const PrRegistration *h = st.holder();
		const bool all_reg = h && (h->type == 7 || h->type == 8);
		if (a.empty() || (b.front()->holder && !all_reg))
			throw MigrationError("LUN " + hl.hctl + " (" + lun_name(hl.target, hl.lun) + "): B " + to.colon() +
					     (a.empty() ? " is registered and A " + from.colon() + " is not"
							: " holds the reservation") +
					     ": the switch-over was committed; aborting now would drop the VM's "
					     "reservation. Nothing changed");
		lun.unregister(key);
		steps.push_back(step_for(hl, "unregistered", key, h ? h->type : 0, "B's registration removed; A keeps its own"));
	}
	return steps;
}

bool wait_vport_gone(Wwn wwpn, std::chrono::milliseconds timeout)
{
	const auto deadline = Clock::now() + timeout;
	for (;;) {
		bool present = false;
		for (const auto &v : list_vports())
			present |= v.wwpn.value() == wwpn.value();
		if (!present)
			return true;
		if (Clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
}

CommitReport commit_migration(const CommitOptions &o)
{
	const auto t0 = Clock::now();
	CommitReport r;
	std::optional<QmpClient> src, dst;
	if (!o.source_qmp.empty()) {
		src.emplace(QmpClient::connect(o.source_qmp, o.timeout));
		r.source_status = status_of(*src, "query-migrate");
		if (r.source_status != "completed")
			throw MigrationError("source QEMU (" + o.source_qmp + "): migration is '" + r.source_status +
					     "', not 'completed'; nothing changed (abort, or wait for it)");
	}
	if (!o.dest_qmp.empty()) {
		dst.emplace(QmpClient::connect(o.dest_qmp, o.timeout));
		r.dest_status = status_of(*dst, "query-status");
		if (r.dest_status == "inmigrate")
			throw MigrationError("destination QEMU (" + o.dest_qmp +
					     "): still 'inmigrate', it does not have the whole state yet; nothing changed");
	}
	const auto tp = Clock::now();
	r.pr = move_reservations(o.from, o.to);
	r.pr_ms = ms_since(tp);
	if (dst && r.dest_status != "running") {
		dst->execute("cont");
		r.resumed = true;
		r.resume_ms = ms_since(t0);
	}
	if (src) {
		r.source_gone = quit_and_wait_gone(src, o.from, o.timeout);
		r.source_quit = true;
		if (!r.source_gone)
			throw MigrationError("vport A " + o.from.colon() + " is still there " +
					     std::to_string(o.timeout.count() / 1000) +
					     " s after the source QEMU was told to quit (the reservations are B's already)");
	}
	r.ms = ms_since(t0);
	return r;
}

AbortReport abort_migration(const AbortOptions &o)
{
	const auto t0 = Clock::now();
	AbortReport r;
	std::optional<QmpClient> src, dst;
	if (!o.source_qmp.empty()) {
		// A migration still under way is cancelled first: the source
		// then runs on by itself.
		src.emplace(QmpClient::connect(o.source_qmp, o.timeout));
		const auto deadline = Clock::now() + o.timeout;
		for (bool sent = false;;) {
			std::string mig = status_of(*src, "query-migrate");
			if (mig != "setup" && mig != "active" && mig != "pre-switchover" && mig != "device" &&
			    mig != "cancelling")
				break;
			if (!sent) {
				src->execute("migrate_cancel");
				sent = true;
			}
			if (Clock::now() >= deadline)
				throw MigrationError("source QEMU (" + o.source_qmp + "): migration still '" + mig +
						     "' after migrate_cancel");
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
		}
	}
	if (!o.dest_qmp.empty()) {
		dst.emplace(QmpClient::connect(o.dest_qmp, o.timeout));
		std::string st = status_of(*dst, "query-status");
		if (st == "running")
			throw MigrationError("destination QEMU (" + o.dest_qmp +
					     ") is running the VM: the switch-over happened; abort would lose it. "
					     "Nothing changed");
	}
	r.pr = drop_reservations(o.from, o.to);
	if (dst) {
		r.dest_gone = quit_and_wait_gone(dst, o.to, o.timeout);
		r.dest_quit = true;
		if (!r.dest_gone)
			throw MigrationError("vport B " + o.to.colon() + " is still there " +
					     std::to_string(o.timeout.count() / 1000) +
					     " s after the destination QEMU was told to quit");
	}
	if (src) {
		r.source_status = status_of(*src, "query-status");
		if (r.source_status == "postmigrate" || r.source_status == "paused") {
			src->execute("cont");
			r.source_resumed = true;
		}
	}
	r.ms = ms_since(t0);
	return r;
}

} // namespace vport
