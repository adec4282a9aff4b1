#!/bin/bash
# Harness self-check: exits 0 but makes the kernel warn; must be reported as
# failed because of the kernel log.
set -e
insmod "$VV_KMOD_DIR/tests/kmod/vv_selftest_warn.ko"
rmmod vv_selftest_warn
