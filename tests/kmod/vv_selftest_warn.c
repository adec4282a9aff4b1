// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module: triggers one kernel warning when loaded.  The guest test
 * harness's self-check loads it to prove that a warning in the guest's
 * kernel log fails the run.  Never part of an installation.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init vv_selftest_warn_init(void)
{
	WARN(1, "vv_selftest_warn: deliberate warning for the harness self-check\n");
	return 0;
}

static void __exit vv_selftest_warn_exit(void)
{
}

module_init(vv_selftest_warn_init);
module_exit(vv_selftest_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhost-vport test harness self-check: warns on load");
