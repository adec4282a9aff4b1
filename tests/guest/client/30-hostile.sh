#!/bin/bash
# Hostile chains and requests against the in-tree vhost-scsi driver. Each
# case's answer (response, error eventfd, queue state, memory overwritten
# next to a short response buffer) must match the recorded reference for
# this kernel in tests/client/expected/; that reference is what the
# differential test holds our module against.
source "$VV_ROOT/tests/guest/lib.sh"
source "$VV_ROOT/tests/guest/client/lio.inc"
lio_vhost_setup

vsc hostile --record hostile.txt
want=$VV_ROOT/tests/client/expected/hostile-intree-$(kshort).txt
cp hostile.txt "$VV_RESULTS/hostile-intree-$(kshort).txt" 2>/dev/null || true
[[ -f $want ]] || die "no reference $want; observed:$(printf '\n%s' "$(cat hostile.txt)")"
diff -u "$want" hostile.txt || die "in-tree answers differ from $want"
log "ok: $(wc -l < hostile.txt) cases match $want"
