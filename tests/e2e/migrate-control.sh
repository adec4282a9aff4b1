#!/bin/bash
# The control for migrate.sh: the same inner guest, workload and A -> B -> A
# migration, but the workload's disk is a RAM disk inside the guest (brd), so
# no device outside the guest writes its memory.  What goes wrong here is
# QEMU's (TCG) migration itself, not a storage backend's dirty logging.
# Reports like migrate.sh; not part of make check (make check-e2e-control).
source "$VV_ROOT/tests/guest/lib.sh"
PYTHONPATH=$VV_ROOT/tests/e2e python3 "$VV_ROOT/tests/e2e/migration.py" ram
log "ok"
