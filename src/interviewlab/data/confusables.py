r"""Labels that look alike but are written with different characters (Unicode TR39).

``'Whit\u0435'``, whose last letter is Cyrillic (U+0435), looks like ``'White'`` but is
another label, so its rows would form a group of their own. Unicode Technical Standard #39
(Unicode Security Mechanisms, section 4) defines the *skeleton* of a string: its NFD
form with each character replaced by the prototype it can be confused with, in NFD form
again. Two strings are confusable when their skeletons are equal. Here the skeleton is
taken of a label's NFKC form, so that compatibility variants (fullwidth letters,
ligatures, mathematical letters, Roman numerals) count as look-alikes too:
confusables.txt lists only some of them (fullwidth ``A`` but not fullwidth ``W``).

Notes
-----
The mappings are those of Unicode's confusables.txt, version 17.0.0 (2025-07-22,
https://www.unicode.org/Public/security/17.0.0/confusables.txt), whose prototype
consists of ASCII characters and combining diacritical marks (U+0300 to U+036F): 2,196
of its 6,565 mappings, kept in ``_confusables_table.py`` and written by
``tools/gen_confusables.py``. They cover the Cyrillic, Greek, Armenian and Cherokee
letters, fullwidth and mathematical forms, ligatures, quotation marks, dashes and spaces
that look like Latin letters, digits and punctuation. Characters with no such mapping
are left as they are, so:

- two labels with equal skeletons here have NFKC forms with equal TR39 skeletons (a
  mapped character becomes a prototype, which the full table leaves as it is);
- every pair of labels whose NFKC forms are confusable and have a TR39 skeleton written
  in ASCII letters, digits and punctuation with diacritics is found; look-alikes that
  resemble another script (two Cyrillic or two Greek spellings) are not looked for.

No new dependency is needed: the PyPI packages ``confusable-homoglyphs`` (3.3.1) and
``confusables`` (1.2.0, Unicode 13 data from 2021) test characters or expand variants but
compute no TR39 skeleton, and PyICU's spoof checker needs the ICU C++ library.
"""

from __future__ import annotations

import functools
import unicodedata
import warnings
from collections.abc import Iterable

import pandas as pd

from interviewlab.data._confusables_table import TABLE
from interviewlab.errors import InterviewLabWarning

__all__ = ["confusable_sets", "look_alike_characters", "skeleton"]

MAX_SETS_SHOWN = 5


@functools.cache
def _mapping() -> dict[int, str]:
    """Code point -> prototype, for :meth:`str.translate`."""
    mapping = {}
    for line in TABLE.strip().splitlines():
        target, _, sources = line.partition(" : ")
        prototype = "".join(chr(int(code, 16)) for code in target.split())
        for code in sources.split():
            mapping[int(code, 16)] = prototype
    return mapping


def skeleton(text: str) -> str:
    r"""The TR39 skeleton of ``text``, for look-alikes of Latin text.

    Parameters
    ----------
    text : str
        A label.

    Returns
    -------
    str
        ``NFD(map(NFD(NFKC(text))))``, where ``map`` replaces each character by its
        prototype (see the module's Notes). Equal skeletons mean the texts look alike.

    Examples
    --------
    >>> skeleton("Whit\u0435") == skeleton("White")  # Cyrillic ie
    True
    >>> skeleton("\uff37hite") == skeleton("White")  # fullwidth W
    True
    >>> skeleton("Whit\u0435") == skeleton("Whit")
    False
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    return unicodedata.normalize("NFD", decomposed.translate(_mapping()))


def confusable_sets(labels: Iterable[str]) -> list[list[str]]:
    r"""Sets of distinct labels that look alike, when one of them is not plain ASCII.

    Parameters
    ----------
    labels : iterable of str
        The labels of one column (repeats are fine).

    Returns
    -------
    list of list of str
        Each set has two or more labels with one :func:`skeleton`, in order of first
        appearance; the sets too. Sets of ASCII labels only (``'O1'`` and ``'0l'``) are
        left out: their characters are typed ones that a reader of the file can tell
        apart, and generated identifiers often differ in just those.

    Examples
    --------
    >>> print(ascii(confusable_sets(["White", "Whit\u0435", "Black", "White"])))
    [['White', 'Whit\u0435']]
    >>> confusable_sets(["O1", "0l", "Black"])
    []
    """
    distinct = list(dict.fromkeys(labels))
    odd = [label for label in distinct if not label.isascii()]
    if not odd:  # the usual case, and a quick one
        return []
    wanted = {skeleton(label) for label in odd}
    # an ASCII label's skeleton is the label translated (NFD leaves ASCII as it is); this
    # is cheaper for a column of many identifiers
    ascii_mapping = _ascii_mapping()
    by_skeleton: dict[str, list[str]] = {}
    for label in distinct:
        key = label.translate(ascii_mapping) if label.isascii() else skeleton(label)
        if key in wanted:  # so every set holds a label that is not plain ASCII
            by_skeleton.setdefault(key, []).append(label)
    return [found for found in by_skeleton.values() if len(found) > 1]


@functools.cache
def _ascii_mapping() -> dict[int, str]:
    """The part of the mapping for ASCII characters (``'m'`` -> ``'rn'``, ``'1'`` -> ``'l'``)."""
    return {code: prototype for code, prototype in _mapping().items() if code < 0x80}


def look_alike_characters(label: str) -> list[str]:
    r"""The characters of ``label`` that stand in for others, as ``U+XXXX NAME``.

    Non-ASCII characters that :func:`skeleton` replaces (by NFKC or by a mapping), each
    once, in order.

    Examples
    --------
    >>> look_alike_characters("Whit\u0435")
    ['U+0435 CYRILLIC SMALL LETTER IE']
    >>> look_alike_characters("Zo\u00eb")  # a diacritic on a Latin letter is not one
    []
    """
    mapping = _mapping()
    found = []
    for char in dict.fromkeys(label):
        compatible = unicodedata.normalize("NFKC", char)
        decomposed = unicodedata.normalize("NFD", compatible)
        replaced = compatible != unicodedata.normalize("NFC", char) or any(
            ord(c) in mapping for c in decomposed
        )
        if not char.isascii() and replaced:
            name = unicodedata.name(char, "")  # empty for characters newer than Python's
            found.append(f"U+{ord(char):04X} {name}".rstrip())
    return found


def _warn_confusable_labels(table: pd.DataFrame, columns: list[str], label: str) -> None:
    r"""Warn when labels of a column look alike but differ ('White' and 'Whit\u0435')."""
    for column in columns:
        counts = table[column].dropna().astype(str).value_counts(sort=False)
        sets = confusable_sets(counts.index.tolist())
        if not sets:
            continue
        shown = "; ".join(
            " and ".join(
                _shown(value, int(counts[value]))
                for value in sorted(found, key=lambda v: -counts[v])
            )
            for found in sets[:MAX_SETS_SHOWN]
        )
        extra = len(sets) - MAX_SETS_SHOWN
        more = f" (and {extra} more such sets)" if extra > 0 else ""
        warnings.warn(
            f"{label} column {column!r} has values that look alike but are written with "
            f"different characters: {shown}{more}. They are kept apart as different "
            "values; if they mean the same, retype the odd characters in the file (e.g. "
            "with a Latin keyboard layout) so that every row uses the same ones.",
            InterviewLabWarning,
            stacklevel=4,
        )


def _shown(value: str, n: int) -> str:
    r"""``'Whit\u0435' (40 rows; U+0435 CYRILLIC SMALL LETTER IE)``."""
    odd = look_alike_characters(value)
    return f"{value!a} ({n} rows{'; ' + ', '.join(odd) if odd else ''})"
