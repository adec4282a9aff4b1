/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhost-vport: the generic netlink family "vhost_vport".
 *
 * Everything about vports that is not the vport fd itself: listing the
 * vports the module holds (with their remote ports, LUNs and counters) and
 * a multicast group that reports what happens to them.  Reading needs no
 * privilege; the family lives in the initial network namespace only.
 *
 * Commands
 *   VHOST_VPORT_CMD_GET  doit: one vport, chosen by VHOST_VPORT_A_ID or
 *                        VHOST_VPORT_A_WWPN (ENOENT if none);
 *                        dumpit: every vport, one message each, by id.
 *   VHOST_VPORT_CMD_EVENT  only sent, on the "events" group: one message
 *                        per event, VHOST_VPORT_A_EVENT says which.
 *
 * Unknown attributes are rejected (strict validation).  Every u64 is
 * padded with VHOST_VPORT_A_PAD (or the nest's own PAD).
 */
#ifndef _UAPI_LINUX_VHOST_VPORT_GENL_H
#define _UAPI_LINUX_VHOST_VPORT_GENL_H

#define VHOST_VPORT_GENL_NAME		"vhost_vport"
#define VHOST_VPORT_GENL_VERSION	1
#define VHOST_VPORT_GENL_MCGRP_EVENTS	"events"

enum vhost_vport_cmd {
	VHOST_VPORT_CMD_UNSPEC,
	VHOST_VPORT_CMD_GET,
	VHOST_VPORT_CMD_EVENT,

	__VHOST_VPORT_CMD_MAX,
	VHOST_VPORT_CMD_MAX = __VHOST_VPORT_CMD_MAX - 1
};

/* VHOST_VPORT_A_STATE: the FC transport class's vport state. */
enum vhost_vport_state {
	VHOST_VPORT_STATE_UNKNOWN,
	VHOST_VPORT_STATE_ACTIVE,
	VHOST_VPORT_STATE_DISABLED,
	VHOST_VPORT_STATE_LINKDOWN,
	VHOST_VPORT_STATE_INITIALIZING,
	VHOST_VPORT_STATE_NO_FABRIC_SUPP,
	VHOST_VPORT_STATE_NO_FABRIC_RSCS,
	VHOST_VPORT_STATE_FABRIC_LOGOUT,
	VHOST_VPORT_STATE_FABRIC_REJ_WWN,
	VHOST_VPORT_STATE_FAILED,
};

/* VHOST_VPORT_A_EVENT */
enum vhost_vport_event {
	VHOST_VPORT_EVENT_UNSPEC,
	VHOST_VPORT_EVENT_VPORT_CREATED,
	VHOST_VPORT_EVENT_VPORT_DELETED,
	VHOST_VPORT_EVENT_LOGIN_STATE,	/* + A_LOGGED_IN */
	VHOST_VPORT_EVENT_RPORT_ADDED,	/* + A_EVENT_RPORT: came online */
	VHOST_VPORT_EVENT_RPORT_REMOVED,	/* + A_EVENT_RPORT: went away */
	VHOST_VPORT_EVENT_LUN_ADDED,	/* + A_EVENT_RPORT, A_EVENT_LUN */
	VHOST_VPORT_EVENT_LUN_REMOVED,	/* + A_EVENT_RPORT, A_EVENT_LUN */
	VHOST_VPORT_EVENT_LINK_DOWN,
	VHOST_VPORT_EVENT_LINK_UP,

	__VHOST_VPORT_EVENT_MAX,
	VHOST_VPORT_EVENT_MAX = __VHOST_VPORT_EVENT_MAX - 1
};

/* Top-level attributes of GET requests, GET replies and events. */
enum vhost_vport_attr {
	VHOST_VPORT_A_UNSPEC,
	VHOST_VPORT_A_PAD,
	VHOST_VPORT_A_ID,		/* u32: the module's id, never 0 */
	VHOST_VPORT_A_WWPN,		/* u64 */
	VHOST_VPORT_A_WWNN,		/* u64 */
	VHOST_VPORT_A_PARENT,		/* string: parent fc_host, "host5" */
	VHOST_VPORT_A_PARENT_WWPN,	/* u64 */
	VHOST_VPORT_A_FABRIC_NAME,	/* u64 */
	VHOST_VPORT_A_PORT_ID,		/* u32: the vport's fabric address */
	VHOST_VPORT_A_STATE,		/* u32: enum vhost_vport_state */
	VHOST_VPORT_A_LOGGED_IN,	/* u8: 1 logged in to the fabric */
	VHOST_VPORT_A_LINK_UP,		/* u8: 1 the link under it is up */
	VHOST_VPORT_A_OWNER_PID,	/* u32: creator's pid in the reader's
					 * pid namespace (0 if not visible) */
	VHOST_VPORT_A_OWNER_COMM,	/* string: creator's command name */
	VHOST_VPORT_A_CREATED,		/* u64: CLOCK_REALTIME seconds */
	VHOST_VPORT_A_HOST,		/* string: the vport's fc_host */
	VHOST_VPORT_A_ENDPOINT,		/* u8: 1 a VMM set the endpoint */
	VHOST_VPORT_A_RPORTS,		/* nest of VHOST_VPORT_RPORTS_A_RPORT */
	VHOST_VPORT_A_COUNTERS,		/* nest of enum vhost_vport_counter_attr */
	VHOST_VPORT_A_EVENT,		/* u32: enum vhost_vport_event */
	VHOST_VPORT_A_EVENT_RPORT,	/* u64: remote port WWPN of the event */
	VHOST_VPORT_A_EVENT_LUN,	/* u64: LUN of the event */

	__VHOST_VPORT_A_MAX,
	VHOST_VPORT_A_MAX = __VHOST_VPORT_A_MAX - 1
};

/* Inside VHOST_VPORT_A_RPORTS: one nest per remote port. */
enum vhost_vport_rports_attr {
	VHOST_VPORT_RPORTS_A_UNSPEC,
	VHOST_VPORT_RPORTS_A_RPORT,	/* nest of enum vhost_vport_rport_attr */

	__VHOST_VPORT_RPORTS_A_MAX,
	VHOST_VPORT_RPORTS_A_MAX = __VHOST_VPORT_RPORTS_A_MAX - 1
};

/* VHOST_VPORT_RPORT_A_STATE */
enum vhost_vport_rport_state {
	VHOST_VPORT_RPORT_ONLINE,
	VHOST_VPORT_RPORT_BLOCKED,	/* lost, waiting for dev_loss_tmo */
	VHOST_VPORT_RPORT_OFFLINE,	/* any other state */
};

/* VHOST_VPORT_RPORT_A_ROLES */
#define VHOST_VPORT_ROLE_FCP_TARGET	(1U << 0)
#define VHOST_VPORT_ROLE_FCP_INITIATOR	(1U << 1)

enum vhost_vport_rport_attr {
	VHOST_VPORT_RPORT_A_UNSPEC,
	VHOST_VPORT_RPORT_A_PAD,
	VHOST_VPORT_RPORT_A_WWPN,	/* u64 */
	VHOST_VPORT_RPORT_A_WWNN,	/* u64 */
	VHOST_VPORT_RPORT_A_PORT_ID,	/* u32 */
	VHOST_VPORT_RPORT_A_STATE,	/* u32: enum vhost_vport_rport_state */
	VHOST_VPORT_RPORT_A_ROLES,	/* u32: VHOST_VPORT_ROLE_* */
	VHOST_VPORT_RPORT_A_TARGET_ID,	/* u32: virtio target id; absent if
					 * the port has none (yet) */
	VHOST_VPORT_RPORT_A_LUNS,	/* nest of VHOST_VPORT_LUNS_A_LUN */

	__VHOST_VPORT_RPORT_A_MAX,
	VHOST_VPORT_RPORT_A_MAX = __VHOST_VPORT_RPORT_A_MAX - 1
};

enum vhost_vport_luns_attr {
	VHOST_VPORT_LUNS_A_UNSPEC,
	VHOST_VPORT_LUNS_A_PAD,
	VHOST_VPORT_LUNS_A_LUN,		/* u64, repeated: one per LUN */

	__VHOST_VPORT_LUNS_A_MAX,
	VHOST_VPORT_LUNS_A_MAX = __VHOST_VPORT_LUNS_A_MAX - 1
};

/*
 * Counters of the vport fd's request queues since the vport was created.
 * A command counts when its response is written to the guest; an error is
 * a response other than VIRTIO_SCSI_S_OK or a SCSI status other than GOOD.
 */
enum vhost_vport_counter_attr {
	VHOST_VPORT_CNT_A_UNSPEC,
	VHOST_VPORT_CNT_A_PAD,
	VHOST_VPORT_CNT_A_COMMANDS,	/* u64 */
	VHOST_VPORT_CNT_A_BYTES_READ,	/* u64: to the guest */
	VHOST_VPORT_CNT_A_BYTES_WRITTEN,	/* u64: from the guest */
	VHOST_VPORT_CNT_A_ERRORS,	/* u64 */
	VHOST_VPORT_CNT_A_IN_FLIGHT,	/* u32: submitted, not completed */

	__VHOST_VPORT_CNT_A_MAX,
	VHOST_VPORT_CNT_A_MAX = __VHOST_VPORT_CNT_A_MAX - 1
};

#endif /* _UAPI_LINUX_VHOST_VPORT_GENL_H */
