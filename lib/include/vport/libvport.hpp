// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// libvport: manage NPIV Fibre Channel vports that serve as vhost-scsi
/// backends for virtual machines (the vhost-vport kernel module).
///
/// Include this header for the whole API, or the individual headers:
///   - vport/wwn.hpp     World Wide Names: parse, print, validate
///   - vport/hba.hpp     FC HBA ports from sysfs (physical, FCoE, vports)
///   - vport/vports.hpp  the kernel module's vports (netlink): list, get
///   - vport/monitor.hpp the kernel module's events (netlink)
///   - vport/sysfs.hpp   the sysfs root the library reads
///   - vport/vport.hpp   creating a vport: an owning handle of its fd
///   - vport/wwn_pair.hpp  A/B WWN pairs for migration from a VM UUID
///   - vport/definition.hpp  persistent vport definitions
///   - vport/exec.hpp    QEMU command lines with vport fds
///   - vport/qmp.hpp     QMP client: hand a vport fd to a running QEMU
///   - vport/error.hpp   the exceptions it throws
///
/// The library never prints; every error is an exception derived from
/// vport::Error whose message names the object and the cause.
#pragma once

#include "vport/definition.hpp"
#include "vport/error.hpp"
#include "vport/exec.hpp"
#include "vport/hba.hpp"
#include "vport/monitor.hpp"
#include "vport/probe.hpp"
#include "vport/qmp.hpp"
#include "vport/sysfs.hpp"
#include "vport/version.hpp"
#include "vport/vport.hpp"
#include "vport/vports.hpp"
#include "vport/wwn.hpp"
#include "vport/wwn_pair.hpp"
