"""Differential check: our answers against the in-tree driver's reference.

usage: differential.py REFERENCE DIFFERENCES OBSERVED

REFERENCE and OBSERVED are "key = answer" files written by vsclient
--record.  DIFFERENCES lists the deliberate differences, one per line:
    key = our answer | why it differs
Every key of REFERENCE must appear in OBSERVED with the reference's answer,
or with the answer DIFFERENCES gives for it; a difference listed but no
longer seen is reported too, so the list stays true.
"""
import sys


def read(path):
    out = {}
    for line in open(path):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, val = line.partition(" = ")
        out[key.strip()] = val.strip()
    return out


ref = read(sys.argv[1])
diffs = {k: v.split(" | ", 1)[0].strip() for k, v in read(sys.argv[2]).items()}
obs = read(sys.argv[3])
bad = 0
for key, want in ref.items():
    got = obs.get(key)
    allowed = diffs.get(key)
    if got == want and allowed is None:
        continue
    if allowed is not None and got == allowed:
        print(f"deliberate  {key}: in-tree '{want}', ours '{got}'")
        continue
    bad += 1
    print(f"DIFFERENT   {key}: in-tree '{want}', ours '{got}'"
          + (f", documented '{allowed}'" if allowed is not None else ""))
for key in obs.keys() - ref.keys():
    print(f"new case    {key}: ours '{obs[key]}' (no in-tree reference)")
print(f"differential: {len(ref)} cases, {len(ref) - bad} as in-tree or documented, {bad} not")
sys.exit(1 if bad else 0)
