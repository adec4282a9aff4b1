#!/bin/bash
# Task management on the control queue of the in-tree vhost-scsi driver:
# LUN reset idle and with reads in flight, the other TMFs (in-tree: rejected),
# AN query and subscribe.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/client/lio.inc"
lio_vhost_setup

vsc tmf --record tmf.txt
grep -q '^tmf.ABORT_TASK = FUNCTION_REJECTED$' tmf.txt || die "ABORT_TASK: $(grep ABORT_TASK tmf.txt)"
log "ok"
