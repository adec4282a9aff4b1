#include "vsclient/virtio_scsi.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <stdexcept>

#include "vsclient/scsi.hpp"

namespace vsc {

namespace {
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline)
{
	auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
	return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

constexpr uint64_t bit(unsigned b)
{
	return uint64_t{1} << b;
}
} // namespace

Lun Lun::of(uint8_t target, uint16_t lun)
{
	Lun l;
	l.b[0] = 1;
	l.b[1] = target;
	// Flat space addressing (0x40) from 256 on, peripheral below, as Linux does.
	l.b[2] = static_cast<uint8_t>((lun >> 8) | (lun >= 256 ? 0x40 : 0));
	l.b[3] = static_cast<uint8_t>(lun & 0xff);
	return l;
}

std::string Lun::str() const
{
	char s[32];
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
		 b[4], b[5], b[6], b[7]);
	return s;
}

std::string response_name(uint8_t r)
{
	static const char *names[] = {"OK",
				      "OVERRUN",
				      "ABORTED",
				      "BAD_TARGET",
				      "RESET",
				      "BUSY",
				      "TRANSPORT_FAILURE",
				      "TARGET_FAILURE",
				      "NEXUS_FAILURE",
				      "FAILURE",
				      "FUNCTION_SUCCEEDED",
				      "FUNCTION_REJECTED",
				      "INCORRECT_LUN"};
	if (r < sizeof(names) / sizeof(names[0]))
		return names[r];
	return "response " + std::to_string(r);
}

std::string CmdResult::str() const
{
	if (!answered)
		return "no answer";
	std::string s = "response " + response_name(response);
	if (response == VIRTIO_SCSI_S_OK) {
		s += " status " + scsi::status_name(status) + " resid " + std::to_string(resid);
		if (sense_len)
			s += " sense " +
			     scsi::parse_sense({sense.data(), std::min<size_t>(sense_len, sense.size())}).str();
	}
	return s;
}

CommandSlot::CommandSlot(GuestMemory &mem)
{
	req_gpa_ = mem.alloc(sizeof(virtio_scsi_cmd_req), 64);
	resp_gpa_ = mem.alloc(sizeof(virtio_scsi_cmd_resp), 64);
	req_ = mem.ptr<virtio_scsi_cmd_req>(req_gpa_);
	resp_ = mem.ptr<virtio_scsi_cmd_resp>(resp_gpa_);
}

void CommandSlot::prepare(const Lun &lun, std::span<const uint8_t> cdb, uint64_t tag,
			  uint8_t task_attr)
{
	if (cdb.size() > sizeof(req_->cdb))
		throw std::invalid_argument("virtio-scsi: CDB of " + std::to_string(cdb.size()) +
					    " bytes does not fit in 32");
	std::memset(req_, 0, sizeof(*req_));
	std::memcpy(req_->lun, lun.b.data(), 8);
	req_->tag = tag;
	req_->task_attr = task_attr;
	std::memcpy(req_->cdb, cdb.data(), cdb.size());
	// Poison the response so that a device that answers without writing it
	// is caught.
	std::memset(resp_, 0xee, sizeof(*resp_));
}

int CommandSlot::add_to(SplitQueue &q, Dir dir, std::span<const Buf> data, bool indirect,
			uint64_t cookie)
{
	if (data.size() + 2 > bufs_.size())
		throw std::invalid_argument("virtio-scsi: " + std::to_string(data.size()) +
					    " data segments exceed 256");
	size_t n = 0;
	bufs_[n++] = {req_gpa_, sizeof(virtio_scsi_cmd_req)};
	size_t nout;
	if (dir == Dir::ToDevice) {
		for (const auto &b : data)
			bufs_[n++] = b;
		nout = n;
		bufs_[n++] = {resp_gpa_, sizeof(virtio_scsi_cmd_resp)};
	} else {
		nout = n;
		bufs_[n++] = {resp_gpa_, sizeof(virtio_scsi_cmd_resp)};
		if (dir == Dir::FromDevice)
			for (const auto &b : data)
				bufs_[n++] = b;
	}
	std::span<const Buf> all(bufs_.data(), n);
	return q.add(all.first(nout), all.subspan(nout), cookie, indirect);
}

CmdResult CommandSlot::result(uint32_t used_len) const
{
	CmdResult r;
	r.answered = true;
	r.used_len = used_len;
	r.response = resp_->response;
	r.status = resp_->status;
	r.status_qualifier = resp_->status_qualifier;
	r.resid = resp_->resid;
	r.sense_len = resp_->sense_len;
	std::memcpy(r.sense.data(), resp_->sense, r.sense.size());
	return r;
}

VirtioScsi::VirtioScsi(VhostDevice &dev, GuestMemory &mem, const SessionOptions &opt,
		       DirtyLog *log)
	: dev_(dev), mem_(mem), opt_(opt), log_(log)
{
	if (opt.request_queues == 0)
		throw std::invalid_argument("virtio-scsi: needs at least one request queue");
	if (opt.log_all && !log)
		throw std::invalid_argument("virtio-scsi: log_all needs a dirty log");
	QueueOptions q;
	q.num = opt.queue_size;
	q.event_idx = false; // set in setup() once negotiated
	q.region = opt.ring_region;
	q.max_indirect = 0;
	// Control and event queues: small, no indirect tables.
	ctl_ = std::make_unique<SplitQueue>(mem, kCtlQueue, q);
	evt_ = std::make_unique<SplitQueue>(mem, kEvtQueue, q);
	q.max_indirect = opt.max_indirect;
	for (unsigned i = 0; i < opt.request_queues; i++)
		req_.push_back(std::make_unique<SplitQueue>(mem, kFirstReqQueue + i, q));
	sync_slot_ = std::make_unique<CommandSlot>(mem);
	ctl_req_gpa_ = mem.alloc(64, 64);
	ctl_resp_gpa_ = mem.alloc(64, 64);
	evt_bufs_gpa_ = mem.alloc(uint64_t{sizeof(virtio_scsi_event)} * opt.queue_size, 64);
}

SplitQueue &VirtioScsi::vq(unsigned idx)
{
	if (idx == kCtlQueue)
		return *ctl_;
	if (idx == kEvtQueue)
		return *evt_;
	return *req_.at(idx - kFirstReqQueue);
}

void VirtioScsi::setup()
{
	dev_.set_owner();
	offered_ = dev_.get_features();
	uint64_t want = bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_F_ANY_LAYOUT);
	if (opt_.indirect)
		want |= bit(VIRTIO_RING_F_INDIRECT_DESC);
	if (opt_.event_idx)
		want |= bit(VIRTIO_RING_F_EVENT_IDX);
	if (opt_.hotplug)
		want |= bit(VIRTIO_SCSI_F_HOTPLUG);
	features_ = offered_ & want;
	dev_.set_features(features_);
	dev_.set_mem_table(mem_);
	if (opt_.log_all) {
		if (!(offered_ & bit(VHOST_F_LOG_ALL)))
			throw std::runtime_error(dev_.name() + ": VHOST_F_LOG_ALL not offered (" +
						 feature_names(offered_) + ")");
		dev_.set_log_base(log_->base());
		dev_.set_log_fd(log_fd_.fd());
		features_ |= bit(VHOST_F_LOG_ALL);
		dev_.set_features(features_);
	}
	bool ev = has(VIRTIO_RING_F_EVENT_IDX);
	for (unsigned i = 0; i < nvqs(); i++) {
		vq(i).set_event_idx(ev);
		vq(i).attach(dev_, opt_.log_all);
	}
	// Event buffers, all posted.
	for (unsigned i = 0; opt_.post_events && i < opt_.queue_size; i++) {
		Buf b{evt_bufs_gpa_ + uint64_t{i} * sizeof(virtio_scsi_event), sizeof(virtio_scsi_event)};
		evt_->add({}, std::span<const Buf>(&b, 1), b.gpa);
	}
	evt_->publish();
}

void VirtioScsi::set_endpoint(const std::string &wwpn, uint16_t tpgt)
{
	dev_.scsi_set_endpoint(wwpn, tpgt);
	wwpn_ = wwpn;
	tpgt_ = tpgt;
}

void VirtioScsi::clear_endpoint()
{
	dev_.scsi_clear_endpoint(wwpn_, tpgt_);
}

bool VirtioScsi::wait_used(SplitQueue &q, Used &out, int timeout_ms)
{
	auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
	for (;;) {
		if (auto u = q.reap()) {
			out = *u;
			return true;
		}
		int left = remaining_ms(deadline);
		if (left == 0)
			return false;
		q.wait(left);
	}
}

CmdResult VirtioScsi::command(unsigned q, const Lun &lun, std::span<const uint8_t> cdb, Dir dir,
			      std::span<const Buf> data, bool indirect, int timeout_ms)
{
	SplitQueue &vq = req(q);
	uint64_t tag = next_tag_++;
	sync_slot_->prepare(lun, cdb, tag);
	if (sync_slot_->add_to(vq, dir, data, indirect, tag) < 0)
		throw std::runtime_error("virtqueue " + std::to_string(vq.index()) + ": full");
	vq.publish();
	auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
	for (;;) {
		Used u;
		if (!wait_used(vq, u, remaining_ms(deadline)))
			return CmdResult{};
		if (u.owned && u.cookie == tag)
			return sync_slot_->result(u.len);
	}
}

int VirtioScsi::tmf(const Lun &lun, uint32_t subtype, uint64_t tag, int timeout_ms)
{
	auto *req = mem_.ptr<virtio_scsi_ctrl_tmf_req>(ctl_req_gpa_);
	auto *resp = mem_.ptr<virtio_scsi_ctrl_tmf_resp>(ctl_resp_gpa_);
	std::memset(req, 0, sizeof(*req));
	req->type = VIRTIO_SCSI_T_TMF;
	req->subtype = subtype;
	std::memcpy(req->lun, lun.b.data(), 8);
	req->tag = tag;
	resp->response = 0xee;
	Buf out{ctl_req_gpa_, sizeof(*req)}, in{ctl_resp_gpa_, sizeof(*resp)};
	uint64_t cookie = next_tag_++;
	if (ctl_->add({&out, 1}, {&in, 1}, cookie) < 0)
		throw std::runtime_error("control queue full");
	ctl_->publish();
	auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
	for (;;) {
		Used u;
		if (!wait_used(*ctl_, u, remaining_ms(deadline)))
			return -1;
		if (u.owned && u.cookie == cookie)
			return resp->response;
	}
}

std::pair<int, uint32_t> VirtioScsi::an(uint32_t type, const Lun &lun, uint32_t events,
					int timeout_ms)
{
	auto *req = mem_.ptr<virtio_scsi_ctrl_an_req>(ctl_req_gpa_);
	auto *resp = mem_.ptr<virtio_scsi_ctrl_an_resp>(ctl_resp_gpa_);
	std::memset(req, 0, sizeof(*req));
	req->type = type;
	std::memcpy(req->lun, lun.b.data(), 8);
	req->event_requested = events;
	std::memset(resp, 0xee, sizeof(*resp));
	Buf out{ctl_req_gpa_, sizeof(*req)}, in{ctl_resp_gpa_, sizeof(*resp)};
	uint64_t cookie = next_tag_++;
	if (ctl_->add({&out, 1}, {&in, 1}, cookie) < 0)
		throw std::runtime_error("control queue full");
	ctl_->publish();
	auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
	for (;;) {
		Used u;
		if (!wait_used(*ctl_, u, remaining_ms(deadline)))
			return {-1, 0};
		if (u.owned && u.cookie == cookie)
			return {resp->response, uint32_t{resp->event_actual}};
	}
}

std::optional<virtio_scsi_event> VirtioScsi::next_event(int timeout_ms)
{
	for (;;) {
		Used u;
		if (!wait_used(*evt_, u, timeout_ms))
			return std::nullopt;
		if (!u.owned)
			continue;
		virtio_scsi_event e = *mem_.ptr<virtio_scsi_event>(u.cookie);
		Buf b{u.cookie, sizeof(virtio_scsi_event)};
		std::memset(mem_.bytes(b.gpa, b.len), 0, b.len);
		evt_->add({}, std::span<const Buf>(&b, 1), b.gpa);
		evt_->publish();
		return e;
	}
}

void VirtioScsi::kick_events()
{
	evt_->publish(true);
}

} // namespace vsc
