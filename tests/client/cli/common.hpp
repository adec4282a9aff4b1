// Options and helpers shared by the vsclient subcommands.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "report.hpp"
#include "vsclient/memory.hpp"
#include "vsclient/scsi.hpp"
#include "vsclient/vhost.hpp"
#include "vsclient/virtio_scsi.hpp"

namespace vsc::cli {

// Global options: where the device fd comes from and what to talk to.
struct Global {
	std::string dev = "/dev/vhost-scsi"; // opened unless --fd is given
	int fd = -1;			     // an inherited, already open vhost fd
	std::string wwpn;		     // endpoint WWPN (naa.X)
	uint16_t tpgt = 1;		     // vhost_tpgt of the endpoint
	unsigned target = 1;		     // virtio target byte (in-tree: the TPGT)
	unsigned lun = 0;		     // LUN under test
	unsigned mem_mib = 64;		     // guest memory size
	unsigned queue_size = 128;
	bool no_event_idx = false;
	bool no_indirect = false;
	int timeout_ms = 10000; // per command
	std::string record;	// write observations here
	bool verbose = false;
	// The backend's fabric driver never reports residuals (software FCoE:
	// libfc keeps them to itself on 6.1 and 6.12): a zero residual where
	// one is due is observed, not failed.
	bool resid_unreported = false;
};

// The device named by --fd or --dev. --fd can be used once per process.
VhostDevice open_device(const Global &g);

// Guest memory, the device and a virtio-scsi session on it, set up and
// (unless endpoint = false) with the endpoint set.
struct Env {
	Env(const Global &g, SessionOptions opt, bool endpoint = true, bool with_log = false);
	GuestMemory mem;
	VhostDevice dev;
	std::unique_ptr<DirtyLog> log;
	std::unique_ptr<VirtioScsi> s;
	Lun lun;
};

SessionOptions session_options(const Global &g, unsigned queues = 1);

// A buffer of len bytes cut into nseg segments placed at scattered
// addresses in guest memory (random gaps, odd offsets, both regions).
std::vector<Buf> scatter(GuestMemory &mem, uint64_t len, unsigned nseg, std::mt19937_64 &rng,
			 uint64_t align = 512);
// Copies between guest buffers and a host span.
void copy_out(GuestMemory &mem, std::span<const Buf> bufs, std::span<uint8_t> dst);
void copy_in(GuestMemory &mem, std::span<const Buf> bufs, std::span<const uint8_t> src);

// Deterministic block contents: (lba, generation, seed) -> 512 bytes.
void fill_block(uint8_t *p, uint32_t block_size, uint64_t lba, uint32_t gen, uint64_t seed);
// 0 if p holds that block, else 1 + the first differing byte offset.
size_t check_block(const uint8_t *p, uint32_t block_size, uint64_t lba, uint32_t gen,
		   uint64_t seed);

// Reads capacity (retrying over a unit attention). Throws on failure.
scsi::Capacity read_capacity(VirtioScsi &s, const Lun &lun, int timeout_ms);
// TEST UNIT READY on request queue 0, asked once more after a CHECK
// CONDITION (the unit attention a login or reset leaves).
CmdResult test_unit_ready(VirtioScsi &s, const Lun &lun, int timeout_ms);

// Sense of a result as a parsed struct.
scsi::Sense sense_of(const CmdResult &r);

} // namespace vsc::cli
