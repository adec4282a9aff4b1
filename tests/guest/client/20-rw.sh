#!/bin/bash
# Verified reads and writes through the in-tree vhost-scsi driver: several
# queues, many commands in flight, scattered buffers, indirect and direct
# chains, large commands.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/client/lio.inc"
lio_vhost_setup

vsc rw --queues 4 --depth 16 --count 2000 --max-blocks 64 --max-segs 16 --verify
vsc rw --queues 4 --threads 2 --depth 16 --count 2000 --max-blocks 16 --max-segs 8 --verify --seed 6
vsc rw --direct --queues 2 --depth 8 --count 1000 --max-blocks 32 --max-segs 8 --verify --seed 2
vsc --mem 256 rw --queues 2 --depth 4 --count 200 --max-blocks 2048 --max-segs 200 --verify --seed 3
vsc --no-event-idx rw --queues 2 --depth 16 --count 1000 --max-blocks 16 --max-segs 4 --verify --seed 5
vsc --queue-size 256 rw --queues 1 --depth 64 --count 2000 --max-blocks 8 --max-segs 4 --verify --seed 4 --write-pct 30
log "ok"
