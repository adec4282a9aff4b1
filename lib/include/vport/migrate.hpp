// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Live migration of a VM between two vports: the VM's WWPN A on the
/// source, its second WWPN B on the destination (a WWPN can log in to the
/// fabric only once, so B must differ from A).
///
/// The steps, as management software runs them:
///  1. describe_source() on the source host: vport A's target-id table and
///     the identity (VPD page 0x83) of every LUN it sees; to_json() carries
///     it to the destination host.
///  2. prepare_migration() on the destination: create vport B, give it A's
///     target-id table, wait until it sees A's LUNs, refuse unless every
///     LUN has the same identity through B, and register B with the
///     persistent-reservation key A holds on each LUN.  The returned Vport
///     goes to the destination QEMU: exec'd with it (-incoming, -S), or
///     hot-plugged into one started with -incoming defer (attach_prepared()).
///  3. QEMU migrates.  Then either
///  4. commit_migration(): PREEMPT A's key from B (the reservation moves to
///     B, A's registration goes), resume the destination, stop the source
///     QEMU (its fd was the last reference to A: the kernel deletes A); or
///  5. abort_migration(): unregister B, stop the destination QEMU (B goes),
///     resume the source; A never stopped owning the LUNs.
#pragma once

#include "vport/error.hpp"
#include "vport/probe.hpp"
#include "vport/qmp.hpp"
#include "vport/vport.hpp"
#include "vport/wwn.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace vport {

/// A migration step that would lose or misdirect access; what() says which
/// LUN or vport and that nothing was changed (or what was rolled back).
class MigrationError : public Error {
public:
	using Error::Error;
};

/// What the destination must know about the source's vport A.
struct MigrationSource {
	Wwn wwpn = Wwn::unchecked(0);
	Wwn wwnn = Wwn::unchecked(0);
	std::vector<Target> targets; ///< A's target-id table (ids assigned so far)
	std::vector<ProbedLun> luns; ///< every LUN A sees, with its identity
};

/// Reads vport @p wwpn of this host, whoever owns its fd (a running QEMU):
/// the table from the module (netlink), the LUNs through their bsg nodes.
/// @throws NotFoundError (no such vport), SystemError.
MigrationSource describe_source(Wwn wwpn);

nlohmann::json to_json(const MigrationSource &src);
/// @throws MigrationError naming the field that is missing or malformed.
MigrationSource migration_source_from_json(const nlohmann::json &j);

/// What differs between the LUNs A and B see (same target WWPN and LUN
/// number, same VPD 0x83 designators; no LUN only one of them sees). Empty:
/// B may take over. A LUN whose identity A could not read is a difference.
std::vector<std::string> compare_luns(const std::vector<ProbedLun> &a, const std::vector<ProbedLun> &b);

/// One persistent-reservation change made (or found unnecessary) on a LUN.
struct PrStep {
	std::string hctl;              ///< the SCSI device on this host it went through
	Wwn target = Wwn::unchecked(0);
	std::uint64_t lun = 0;
	std::string action;            ///< "registered", "preempted", "unregistered", "none"
	std::uint64_t key = 0;
	std::uint8_t type = 0;         ///< the reservation's type after the step, 0 if none
	std::string detail;            ///< words for a person
};

/// A prepared destination vport.
struct Prepared {
	Vport vport;                 ///< B: target table set, LUNs checked, registered
	VportFdInfo info;
	std::vector<ProbedLun> luns; ///< what B sees
	std::vector<PrStep> pr;      ///< the registrations made for B
	double ms = 0;               ///< how long preparing took
};

/// Creates vport B as @p dst says and makes it ready to take over from A.
/// On any failure B is deleted again (and registrations made undone) and
/// MigrationError says why; A is never touched.
/// @param lun_wait how long B may take to see every LUN A sees.
Prepared prepare_migration(const MigrationSource &src, const CreateRequest &dst, std::chrono::milliseconds lun_wait);

/// Unregisters what prepare_migration() registered for B, for a prepared
/// vport that will not be used after all (the destination QEMU could not
/// take it). Best effort: returns what could not be undone, one line per
/// LUN (B's registration there stays; abort_migration() removes it too).
std::vector<std::string> undo_registrations(const Prepared &p);

/// Checks that the QEMU behind @p qmp waits for an incoming migration
/// (query-status "inmigrate", as after -incoming defer): the only QEMU a
/// prepared B may be hot-plugged into. Call it before prepare_migration().
/// @throws MigrationError naming @p name and the status it has instead.
void require_incoming(QmpClient &qmp, const std::string &name);

/// Hot-plugs prepared B into the destination QEMU as a vhost-scsi-pci device
/// (getfd + device_add, see attach_vhost_scsi()), with migratable=on unless
/// @p opts says otherwise: the device must match the source's, which has to
/// be migratable.  After success QEMU holds its own reference to B.  If QEMU
/// refuses, B's registrations are undone and MigrationError says why; the
/// caller's Prepared still owns B's fd (destroying it deletes B).
void attach_prepared(QmpClient &qmp, const Prepared &p, Wwn wwpn, AttachOptions opts);

/// Through B's LUNs: for every LUN where A is registered, PREEMPT A's key
/// (keeping the reservation's type), so B holds what A held and A is no
/// longer registered; then checks that with READ FULL STATUS.
/// @throws MigrationError (B not registered: prepare did not run), PrError.
std::vector<PrStep> move_reservations(Wwn from, Wwn to);

/// Through B's LUNs: unregisters the keys prepare registered for B.
/// @throws MigrationError if B holds a reservation A no longer has (the
///         switch-over was committed), PrError.
std::vector<PrStep> drop_reservations(Wwn from, Wwn to);

/// Waits until the module holds no vport with @p wwpn. False on timeout.
bool wait_vport_gone(Wwn wwpn, std::chrono::milliseconds timeout);

/// The two QEMUs of a migration and their vports, for commit and abort.
struct MigrationPeers {
	Wwn from = Wwn::unchecked(0);  ///< A, the source's vport
	Wwn to = Wwn::unchecked(0);    ///< B, the destination's vport
	std::string dest_qmp;          ///< destination QEMU's QMP socket; "" = resume or stop it yourself
	std::string source_qmp;        ///< source QEMU's QMP socket (same host); "" = stop or resume it yourself
	std::chrono::milliseconds timeout{30000};
};
using CommitOptions = MigrationPeers;
using AbortOptions = MigrationPeers;

struct CommitReport {
	std::vector<PrStep> pr;
	std::string source_status;     ///< query-migrate status seen, "" without source_qmp
	std::string dest_status;       ///< query-status before resuming, "" without dest_qmp
	bool resumed = false;          ///< `cont` sent to the destination
	bool source_quit = false;      ///< `quit` sent to the source
	bool source_gone = false;      ///< vport A left the module
	double pr_ms = 0;              ///< reservations moved in
	double resume_ms = 0;          ///< from the start of the commit to `cont` answered
	double ms = 0;                 ///< the whole commit
};

/// The switch-over, after QEMU's migration completed: checks the source
/// says "completed" and the destination has all the state, moves the
/// reservations, resumes the destination, stops the source.
/// @throws MigrationError before changing anything if the migration did not
///         complete; after that, errors name the step that failed.
CommitReport commit_migration(const CommitOptions &opts);

struct AbortReport {
	std::vector<PrStep> pr;
	bool dest_quit = false;
	bool dest_gone = false;        ///< vport B left the module
	std::string source_status;     ///< query-status of the source before
	bool source_resumed = false;
	double ms = 0;
};

/// Rolls a prepared (or failed) migration back: A keeps the VM.
/// @throws MigrationError if the destination already runs the VM.
AbortReport abort_migration(const AbortOptions &opts);

} // namespace vport
