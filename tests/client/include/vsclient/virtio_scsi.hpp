// virtio-scsi over a vhost device: the guest driver's view. Queue 0 is the
// control queue, 1 the event queue, 2.. the request queues.
#pragma once

#include <array>
#include <cstdint>
#include <linux/virtio_scsi.h>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vsclient/memory.hpp"
#include "vsclient/vhost.hpp"
#include "vsclient/virtqueue.hpp"

namespace vsc {

constexpr unsigned kCtlQueue = 0;
constexpr unsigned kEvtQueue = 1;
constexpr unsigned kFirstReqQueue = 2;

// The 8 LUN bytes of a request: 1, target, LUN in flat/peripheral format.
struct Lun {
	std::array<uint8_t, 8> b{};
	static Lun of(uint8_t target, uint16_t lun);
	std::string str() const; // "01:01:40:05:00:00:00:00"
};

enum class Dir { None, ToDevice, FromDevice };

// The device's answer to one command.
struct CmdResult {
	bool answered = false; // a used entry came back
	uint32_t used_len = 0;
	uint8_t response = 0xff;
	uint8_t status = 0xff;
	uint16_t status_qualifier = 0;
	uint32_t resid = 0;
	uint32_t sense_len = 0;
	std::array<uint8_t, VIRTIO_SCSI_SENSE_SIZE> sense{};
	std::string str() const; // "response OK status GOOD resid 0"
	bool good() const { return answered && response == VIRTIO_SCSI_S_OK && status == 0; }
};

std::string response_name(uint8_t r);

// One request slot: request and response headers in guest memory, reused for
// many commands, so issuing a command allocates nothing.
class CommandSlot {
public:
	explicit CommandSlot(GuestMemory &mem);
	void prepare(const Lun &lun, std::span<const uint8_t> cdb, uint64_t tag,
		     uint8_t task_attr = VIRTIO_SCSI_S_SIMPLE);
	// out = [request header] + data (ToDevice); in = [response] + data (FromDevice).
	// Returns the head or -1 (no room). Caller publishes.
	int add_to(SplitQueue &q, Dir dir, std::span<const Buf> data, bool indirect, uint64_t cookie);
	CmdResult result(uint32_t used_len) const;
	virtio_scsi_cmd_req &req() { return *req_; }
	virtio_scsi_cmd_resp &resp() { return *resp_; }
	uint64_t req_gpa() const { return req_gpa_; }
	uint64_t resp_gpa() const { return resp_gpa_; }

private:
	uint64_t req_gpa_, resp_gpa_;
	virtio_scsi_cmd_req *req_;
	virtio_scsi_cmd_resp *resp_;
	std::array<Buf, 258> bufs_{}; // headers + up to 256 data segments
};

struct SessionOptions {
	unsigned request_queues = 1;
	uint16_t queue_size = 128;
	uint16_t max_indirect = 256; // 0: no indirect tables
	bool event_idx = true;	     // negotiate EVENT_IDX if offered
	bool indirect = true;	     // negotiate INDIRECT_DESC if offered
	bool hotplug = true;	     // negotiate VIRTIO_SCSI_F_HOTPLUG if offered
	bool log_all = false;	     // VHOST_F_LOG_ALL + VRING_F_LOG (needs a DirtyLog)
	int ring_region = -1;	     // guest memory region for rings (-1: first with room)
	bool post_events = true;     // fill the event queue with buffers in setup()
};

class VirtioScsi {
public:
	// Allocates the rings; does no ioctl yet.
	VirtioScsi(VhostDevice &dev, GuestMemory &mem, const SessionOptions &opt,
		   DirtyLog *log = nullptr);

	// SET_OWNER, GET/SET_FEATURES, SET_MEM_TABLE, (LOG_BASE, LOG_FD) and every
	// vring, in QEMU's order. Event buffers are posted.
	void setup();
	void set_endpoint(const std::string &wwpn, uint16_t tpgt = 0);
	void clear_endpoint();

	VhostDevice &dev() { return dev_; }
	GuestMemory &mem() { return mem_; }
	uint64_t offered() const { return offered_; }
	uint64_t features() const { return features_; }
	bool has(unsigned bit) const { return features_ & (uint64_t{1} << bit); }
	unsigned request_queues() const { return static_cast<unsigned>(req_.size()); }
	SplitQueue &ctl() { return *ctl_; }
	SplitQueue &evt() { return *evt_; }
	SplitQueue &req(unsigned i) { return *req_.at(i); }
	// Every vq by vhost index (0 ctl, 1 evt, 2.. requests).
	SplitQueue &vq(unsigned idx);
	unsigned nvqs() const { return 2 + request_queues(); }
	EventFd &log_fd() { return log_fd_; }
	const std::string &wwpn() const { return wwpn_; }

	// Synchronous command on request queue q (0-based). Waits up to timeout_ms.
	// Other used entries that show up meanwhile are dropped.
	CmdResult command(unsigned q, const Lun &lun, std::span<const uint8_t> cdb, Dir dir,
			  std::span<const Buf> data, bool indirect = false, int timeout_ms = 10000);

	// Task management on the control queue: the response byte, or -1 on no answer.
	int tmf(const Lun &lun, uint32_t subtype, uint64_t tag = 0, int timeout_ms = 10000);
	// Asynchronous-notification query/subscribe: (response, event_actual),
	// response -1 on no answer.
	std::pair<int, uint32_t> an(uint32_t type, const Lun &lun, uint32_t events,
				    int timeout_ms = 10000);

	// Event queue: buffers are posted in setup(); returns the next event and
	// reposts its buffer.
	std::optional<virtio_scsi_event> next_event(int timeout_ms);
	// Kicks the event queue (the device reports missed events on a kick).
	void kick_events();

	// Waits for one used entry on queue (any) with time-out; true if found.
	static bool wait_used(SplitQueue &q, Used &out, int timeout_ms);

private:
	VhostDevice &dev_;
	GuestMemory &mem_;
	SessionOptions opt_;
	DirtyLog *log_;
	uint64_t offered_ = 0, features_ = 0;
	std::string wwpn_;
	uint16_t tpgt_ = 0;
	std::unique_ptr<SplitQueue> ctl_, evt_;
	std::vector<std::unique_ptr<SplitQueue>> req_;
	std::unique_ptr<CommandSlot> sync_slot_;
	uint64_t ctl_req_gpa_, ctl_resp_gpa_;
	uint64_t evt_bufs_gpa_;
	EventFd log_fd_;
	uint64_t next_tag_ = 1;
};

} // namespace vsc
