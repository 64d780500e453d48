"""Rules every report page keeps in its words (issue 23, item 3), as checks on page text.

- No negative zero: a figure that rounds to zero is written ``0.00``, never ``-0.00``.
- One p-value format: ``p = 0.011`` (three decimals), ``p < 0.001`` or ``p > 0.999``;
  ``p < 0.05`` and ``p < 0.01`` are thresholds a sentence may name.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0\.0+(?!\d)")
P_VALUE = re.compile(r"\bp\s*([=<>])\s*([0-9][^\s,;)]*)")
THRESHOLDS = {"<": {"0.001", "0.01", "0.05"}, ">": {"0.999"}}


def page_text(path: Path) -> str:
    """The words a reader sees on an HTML page: no images, styles or tags."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", text)
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def broken_rules(text: str) -> list[str]:
    """Each place in ``text`` that breaks a rule, with some context."""
    found = [text[max(0, m.start() - 40) : m.end()] for m in NEGATIVE_ZERO.finditer(text)]
    for match in P_VALUE.finditer(text):
        op, value = match.group(1), match.group(2).rstrip(".")
        ok = re.fullmatch(r"0\.\d{3}", value) if op == "=" else value in THRESHOLDS[op]
        if not ok:
            found.append(text[max(0, match.start() - 40) : match.end()])
    return found
