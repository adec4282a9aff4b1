// A vhost device over any fd: the generic vhost ioctls plus the vhost-scsi
// ones. Every call exists twice: the plain name throws SysError naming the
// ioctl and the device, try_* returns the errno (0 on success) for tests
// that expect a failure.
#pragma once

#include <cstdint>
#include <linux/vhost.h>
#include <span>
#include <string>

#include "vsclient/fd.hpp"

namespace vsc {

class GuestMemory;

class VhostDevice {
public:
	// Opens path (O_RDWR | O_CLOEXEC).
	static VhostDevice open(const std::string &path);
	// Takes an fd from the caller (e.g. inherited, or from another ioctl).
	VhostDevice(UniqueFd fd, std::string name);

	int fd() const { return fd_.get(); }
	const std::string &name() const { return name_; }
	// Closes the fd now (tests of teardown); returns close()'s errno.
	int close() { return fd_.reset(); }

	// Raw ioctl: 0 or errno. name is used in error messages only.
	int raw_ioctl(unsigned long req, void *arg) const;

	void set_owner();
	int try_set_owner();
	int try_reset_owner();
	uint64_t get_features();
	void set_features(uint64_t f);
	int try_set_features(uint64_t f);

	void set_mem_table(const GuestMemory &mem);
	int try_set_mem_table(std::span<const vhost_memory_region> regions);

	void set_vring_num(unsigned idx, unsigned num);
	int try_set_vring_num(unsigned idx, unsigned num);
	void set_vring_addr(const vhost_vring_addr &a);
	int try_set_vring_addr(const vhost_vring_addr &a);
	void set_vring_base(unsigned idx, unsigned base);
	int try_set_vring_base(unsigned idx, unsigned base);
	unsigned get_vring_base(unsigned idx);
	int try_get_vring_base(unsigned idx, unsigned &base);
	void set_vring_kick(unsigned idx, int fd);
	void set_vring_call(unsigned idx, int fd);
	void set_vring_err(unsigned idx, int fd);
	int try_set_vring_fd(unsigned long req, unsigned idx, int fd);

	void set_log_base(uint64_t addr);
	int try_set_log_base(uint64_t addr);
	void set_log_fd(int fd);

	// vhost-scsi
	void scsi_set_endpoint(const std::string &wwpn, uint16_t tpgt = 0);
	int try_scsi_set_endpoint(const std::string &wwpn, uint16_t tpgt = 0,
				  uint16_t reserved = 0);
	void scsi_clear_endpoint(const std::string &wwpn, uint16_t tpgt = 0);
	int try_scsi_clear_endpoint(const std::string &wwpn, uint16_t tpgt = 0,
				    uint16_t reserved = 0);
	int scsi_get_abi_version();
	void scsi_set_events_missed(uint32_t v);
	uint32_t scsi_get_events_missed();

private:
	void check(int err, const std::string &what) const;

	UniqueFd fd_;
	std::string name_;
};

// Names of feature bits, for printing ("INDIRECT_DESC|EVENT_IDX|...").
std::string feature_names(uint64_t f);

} // namespace vsc
