"""Write ``src/interviewlab/data/_confusables_table.py`` from Unicode's confusables.txt.

Usage: ``python tools/gen_confusables.py confusables.txt``, with the file of the Unicode
Security Mechanisms (UTS #39) data, e.g.
https://www.unicode.org/Public/security/17.0.0/confusables.txt. Keeps the mappings whose
prototype (the right-hand side) consists of ASCII characters and combining diacritical
marks (U+0300 to U+036F): the ones that can make a label look like a Latin label. Run it
again when Unicode publishes a new version, and commit both files.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/interviewlab/data/_confusables_table.py"
PER_LINE = 14


def _latin(code: int) -> bool:
    return code < 0x80 or 0x300 <= code <= 0x36F


def main(source: Path) -> None:
    """Read ``source`` (confusables.txt), check its count, and write the table module."""
    text = source.read_text(encoding="utf-8-sig")
    version = re.search(r"^# Version: (\S+)", text, re.M)
    date = re.search(r"^# Date: (\d{4}-\d\d-\d\d)", text, re.M)
    total = re.search(r"^# total: (\d+)", text, re.M)
    if not (version and date and total):
        sys.exit(f"{source} does not look like confusables.txt (no Version, Date or total line)")
    by_target: dict[str, list[int]] = {}
    n = 0
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 3:
            continue
        n += 1
        src = int(fields[0], 16)
        target = [int(h, 16) for h in fields[1].split()]
        if all(_latin(c) for c in target):
            by_target.setdefault(" ".join(f"{c:04X}" for c in target), []).append(src)
    if n != int(total.group(1)):
        sys.exit(f"read {n} mappings, but the file says {total.group(1)}")
    kept = sum(map(len, by_target.values()))
    lines = []
    for target in sorted(by_target):
        sources = sorted(by_target[target])
        for i in range(0, len(sources), PER_LINE):
            chunk = " ".join(f"{c:04X}" for c in sources[i : i + PER_LINE])
            lines.append(f"{target} : {chunk}")
    body = "\n".join(lines)
    OUT.write_text(
        f'''"""TR39 confusable mappings to Latin prototypes (generated; do not edit).

Written by ``tools/gen_confusables.py`` from Unicode's confusables.txt, version
{version.group(1)} ({date.group(1)}),
https://www.unicode.org/Public/security/{version.group(1)}/confusables.txt: the {kept:,} of its
{n:,} mappings whose prototype consists of ASCII characters and combining diacritical
marks (U+0300 to U+036F). Unicode data, under the Unicode License v3
(https://www.unicode.org/terms_of_use.html).
"""

VERSION = "{version.group(1)}"

# one line per prototype and up to {PER_LINE} characters mapped to it: the prototype's
# code points, " : ", then the code points of the characters mapped to it
TABLE = """
{body}
"""
''',
        encoding="utf-8",
    )
    print(f"wrote {OUT}: {kept} of {n} mappings, {len(by_target)} prototypes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
