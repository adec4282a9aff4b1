"""sg_persist --in --read-full-status output as registrations, for the
tests that check persistent reservations (tests/guest/vportctl/migrate.sh, migrate-pr-types.sh,
tests/e2e/migration.py).

  python3 prstatus.py FILE    one line per registration: KEY WWPN holder|-
"""
import re
import sys


def parse(text):
    """[(key "0x...", initiator WWPN as 16 hex digits or "?", holder?)]."""
    regs = []
    for line in text.splitlines():
        m = re.search(r"Key=(0x[0-9a-f]+)", line)
        if m:
            regs.append([m.group(1), "?", False])
        elif regs and "<< Reservation holder >>" in line:
            regs[-1][2] = True
        elif regs and regs[-1][1] == "?":
            # "FCP-2 World Wide Name:" then its 8 bytes: "21 00 00 00 5a 00 00 01"
            m = re.fullmatch(r"\s*((?:[0-9a-f]{2} ){7}[0-9a-f]{2})\s*", line, re.I)
            if m:
                regs[-1][1] = m.group(1).replace(" ", "").lower()
    return [tuple(r) for r in regs]


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        for key, wwpn, holder in parse(f.read()):
            print(key, wwpn, "holder" if holder else "-")
