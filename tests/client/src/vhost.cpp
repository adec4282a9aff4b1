#include "vsclient/vhost.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_scsi.h>
#include <memory>
#include <sys/ioctl.h>
#include <vector>

#include "vsclient/memory.hpp"

namespace vsc {

VhostDevice VhostDevice::open(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd)
		throw_errno("open " + path);
	return VhostDevice(std::move(fd), path);
}

VhostDevice::VhostDevice(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name))
{
	if (!fd_)
		throw std::invalid_argument("vhost device " + name_ + ": no file descriptor");
}

int VhostDevice::raw_ioctl(unsigned long req, void *arg) const
{
	return ::ioctl(fd_.get(), req, arg) < 0 ? errno : 0;
}

void VhostDevice::check(int err, const std::string &what) const
{
	if (err)
		throw SysError(name_ + ": " + what, err);
}

int VhostDevice::try_set_owner()
{
	return raw_ioctl(VHOST_SET_OWNER, nullptr);
}

void VhostDevice::set_owner()
{
	check(try_set_owner(), "VHOST_SET_OWNER");
}

int VhostDevice::try_reset_owner()
{
	return raw_ioctl(VHOST_RESET_OWNER, nullptr);
}

uint64_t VhostDevice::get_features()
{
	uint64_t f = 0;
	check(raw_ioctl(VHOST_GET_FEATURES, &f), "VHOST_GET_FEATURES");
	return f;
}

int VhostDevice::try_set_features(uint64_t f)
{
	return raw_ioctl(VHOST_SET_FEATURES, &f);
}

void VhostDevice::set_features(uint64_t f)
{
	check(try_set_features(f), "VHOST_SET_FEATURES " + feature_names(f));
}

int VhostDevice::try_set_mem_table(std::span<const vhost_memory_region> regions)
{
	// struct vhost_memory ends in a flexible array; build it in aligned storage.
	size_t bytes = sizeof(vhost_memory) + regions.size() * sizeof(vhost_memory_region);
	std::vector<uint64_t> buf((bytes + 7) / 8, 0);
	auto *m = reinterpret_cast<vhost_memory *>(buf.data());
	m->nregions = static_cast<uint32_t>(regions.size());
	std::memcpy(reinterpret_cast<uint8_t *>(m) + sizeof(vhost_memory), regions.data(),
		    regions.size() * sizeof(vhost_memory_region));
	return raw_ioctl(VHOST_SET_MEM_TABLE, m);
}

void VhostDevice::set_mem_table(const GuestMemory &mem)
{
	auto t = mem.table();
	check(try_set_mem_table(t), "VHOST_SET_MEM_TABLE (" + std::to_string(t.size()) + " regions)");
}

int VhostDevice::try_set_vring_num(unsigned idx, unsigned num)
{
	vhost_vring_state s{idx, num};
	return raw_ioctl(VHOST_SET_VRING_NUM, &s);
}

void VhostDevice::set_vring_num(unsigned idx, unsigned num)
{
	check(try_set_vring_num(idx, num),
	      "VHOST_SET_VRING_NUM vq " + std::to_string(idx) + " num " + std::to_string(num));
}

int VhostDevice::try_set_vring_addr(const vhost_vring_addr &a)
{
	vhost_vring_addr copy = a;
	return raw_ioctl(VHOST_SET_VRING_ADDR, &copy);
}

void VhostDevice::set_vring_addr(const vhost_vring_addr &a)
{
	check(try_set_vring_addr(a), "VHOST_SET_VRING_ADDR vq " + std::to_string(a.index));
}

int VhostDevice::try_set_vring_base(unsigned idx, unsigned base)
{
	vhost_vring_state s{idx, base};
	return raw_ioctl(VHOST_SET_VRING_BASE, &s);
}

void VhostDevice::set_vring_base(unsigned idx, unsigned base)
{
	check(try_set_vring_base(idx, base), "VHOST_SET_VRING_BASE vq " + std::to_string(idx));
}

int VhostDevice::try_get_vring_base(unsigned idx, unsigned &base)
{
	vhost_vring_state s{idx, 0};
	int err = raw_ioctl(VHOST_GET_VRING_BASE, &s);
	base = s.num;
	return err;
}

unsigned VhostDevice::get_vring_base(unsigned idx)
{
	unsigned base = 0;
	check(try_get_vring_base(idx, base), "VHOST_GET_VRING_BASE vq " + std::to_string(idx));
	return base;
}

int VhostDevice::try_set_vring_fd(unsigned long req, unsigned idx, int fd)
{
	vhost_vring_file f{idx, fd};
	return raw_ioctl(req, &f);
}

void VhostDevice::set_vring_kick(unsigned idx, int fd)
{
	check(try_set_vring_fd(VHOST_SET_VRING_KICK, idx, fd),
	      "VHOST_SET_VRING_KICK vq " + std::to_string(idx));
}

void VhostDevice::set_vring_call(unsigned idx, int fd)
{
	check(try_set_vring_fd(VHOST_SET_VRING_CALL, idx, fd),
	      "VHOST_SET_VRING_CALL vq " + std::to_string(idx));
}

void VhostDevice::set_vring_err(unsigned idx, int fd)
{
	check(try_set_vring_fd(VHOST_SET_VRING_ERR, idx, fd),
	      "VHOST_SET_VRING_ERR vq " + std::to_string(idx));
}

int VhostDevice::try_set_log_base(uint64_t addr)
{
	return raw_ioctl(VHOST_SET_LOG_BASE, &addr);
}

void VhostDevice::set_log_base(uint64_t addr)
{
	check(try_set_log_base(addr), "VHOST_SET_LOG_BASE");
}

void VhostDevice::set_log_fd(int fd)
{
	check(raw_ioctl(VHOST_SET_LOG_FD, &fd), "VHOST_SET_LOG_FD");
}

namespace {
vhost_scsi_target make_target(const std::string &wwpn, uint16_t tpgt, uint16_t reserved)
{
	vhost_scsi_target t{};
	t.abi_version = VHOST_SCSI_ABI_VERSION;
	if (wwpn.size() >= sizeof(t.vhost_wwpn))
		throw std::invalid_argument("vhost-scsi endpoint: WWPN '" + wwpn + "' is too long");
	std::memcpy(t.vhost_wwpn, wwpn.data(), wwpn.size());
	t.vhost_tpgt = tpgt;
	t.reserved = reserved;
	return t;
}
} // namespace

int VhostDevice::try_scsi_set_endpoint(const std::string &wwpn, uint16_t tpgt, uint16_t reserved)
{
	auto t = make_target(wwpn, tpgt, reserved);
	return raw_ioctl(VHOST_SCSI_SET_ENDPOINT, &t);
}

void VhostDevice::scsi_set_endpoint(const std::string &wwpn, uint16_t tpgt)
{
	check(try_scsi_set_endpoint(wwpn, tpgt), "VHOST_SCSI_SET_ENDPOINT " + wwpn);
}

int VhostDevice::try_scsi_clear_endpoint(const std::string &wwpn, uint16_t tpgt, uint16_t reserved)
{
	auto t = make_target(wwpn, tpgt, reserved);
	return raw_ioctl(VHOST_SCSI_CLEAR_ENDPOINT, &t);
}

void VhostDevice::scsi_clear_endpoint(const std::string &wwpn, uint16_t tpgt)
{
	check(try_scsi_clear_endpoint(wwpn, tpgt), "VHOST_SCSI_CLEAR_ENDPOINT " + wwpn);
}

int VhostDevice::scsi_get_abi_version()
{
	int v = -1;
	check(raw_ioctl(VHOST_SCSI_GET_ABI_VERSION, &v), "VHOST_SCSI_GET_ABI_VERSION");
	return v;
}

void VhostDevice::scsi_set_events_missed(uint32_t v)
{
	check(raw_ioctl(VHOST_SCSI_SET_EVENTS_MISSED, &v), "VHOST_SCSI_SET_EVENTS_MISSED");
}

uint32_t VhostDevice::scsi_get_events_missed()
{
	uint32_t v = 0;
	check(raw_ioctl(VHOST_SCSI_GET_EVENTS_MISSED, &v), "VHOST_SCSI_GET_EVENTS_MISSED");
	return v;
}

std::string feature_names(uint64_t f)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{VIRTIO_SCSI_F_INOUT, "SCSI_INOUT"},
		{VIRTIO_SCSI_F_HOTPLUG, "SCSI_HOTPLUG"},
		{VIRTIO_SCSI_F_CHANGE, "SCSI_CHANGE"},
		{VIRTIO_SCSI_F_T10_PI, "SCSI_T10_PI"},
		{VIRTIO_F_NOTIFY_ON_EMPTY, "NOTIFY_ON_EMPTY"},
		{VHOST_F_LOG_ALL, "LOG_ALL"},
		{VIRTIO_F_ANY_LAYOUT, "ANY_LAYOUT"},
		{VIRTIO_RING_F_INDIRECT_DESC, "INDIRECT_DESC"},
		{VIRTIO_RING_F_EVENT_IDX, "EVENT_IDX"},
		{VIRTIO_F_VERSION_1, "VERSION_1"},
		{VIRTIO_F_ACCESS_PLATFORM, "ACCESS_PLATFORM"},
		{VIRTIO_F_RING_PACKED, "RING_PACKED"},
	};
	std::string s;
	for (const auto &n : names) {
		if (f & (uint64_t{1} << n.bit)) {
			s += s.empty() ? "" : "|";
			s += n.name;
			f &= ~(uint64_t{1} << n.bit);
		}
	}
	for (unsigned b = 0; b < 64; b++)
		if (f & (uint64_t{1} << b))
			s += (s.empty() ? "bit" : "|bit") + std::to_string(b);
	return s.empty() ? "none" : s;
}

} // namespace vsc
