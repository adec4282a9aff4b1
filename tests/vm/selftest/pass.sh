#!/bin/bash
# Harness self-check: a test that passes, and sees the guest as tests expect.
set -e
[[ $(id -u) == 0 ]]
[[ -d $VV_KMOD_DIR ]]
touch /tmp/writable
echo "kernel $(uname -r), expected $VV_KVER"
[[ $(uname -r) == "$VV_KVER" ]]
