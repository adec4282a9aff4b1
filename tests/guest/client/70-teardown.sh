#!/bin/bash
# Stopping the in-tree vhost-scsi device with I/O in flight: CLEAR_ENDPOINT
# (every request taken is answered, the rest is served after a restart),
# close() of the fd, and the process killed outright. Then LIO must tear
# down and vhost_scsi unload (nothing left pinned), with a clean kernel log.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/client/lio.inc"
lio_vhost_setup

# In-tree clears vs_tpg[] before it detaches the queues: a request taken in
# that window is answered BAD_TARGET, not executed (a CI run had 50 of 128
# answers not GOOD there).
vsc teardown --mode clear --stop-bad-target --queues 4 --depth 32 --blocks 256
vsc teardown --mode close --queues 4 --depth 32 --blocks 256
vsc --mem 192 --queue-size 128 teardown --mode close --queues 1 --depth 128 --blocks 1024
for round in 1 2 3; do
	"$VSCLIENT" --wwpn "$WWPN" rw --queues 4 --depth 16 --count 100000000 --max-blocks 128 > rw.log 2>&1 &
	pid=$!
	sleep $((round))
	kill -0 "$pid" || { cat rw.log; die "rw exited early"; }
	kill -9 "$pid"
	wait "$pid" || true
	log "killed rw after ${round}s"
done
# The device still works for a new user.
vsc smoke
log "ok"
