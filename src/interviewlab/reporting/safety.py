"""Making data safe to publish: HTML escaping, spreadsheet formulas, file names.

A study's labels and texts come from users' files and must be treated as hostile: a group
label can hold ``<script>`` or ``=HYPERLINK(...)``, a study name can hold ``../``. Four
rules, each applied where data leaves the library:

* :func:`escape_markdown` makes a data value inert inside Markdown a notebook displays
  (HTML special characters become entities; Markdown syntax is backslash-escaped, so a
  value cannot open a link, an image or an HTML tag);
* :func:`sanitize_html` keeps only an allow-list of tags and attributes in an HTML
  fragment that a cell displays (no script, no event handler, no ``javascript:`` link,
  no frame), using ``bleach``, which nbconvert already depends on;
* :func:`neutralise_formulas` prefixes text cells that a spreadsheet would run as a
  formula (first character ``=``, ``+``, ``-``, ``@``, tab or carriage return; OWASP's
  CSV-injection rule) with a single quote; numbers are never changed;
* :func:`slug` turns any text into a folder or file name that cannot leave its folder.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import pandas as pd

__all__ = ["escape_markdown", "neutralise_formulas", "sanitize_html", "slug"]

#: First characters that make a spreadsheet treat a text cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")

_ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd",
        "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol",
        "p", "pre", "small", "span", "strong", "style", "sub", "sup", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "title"],
    "a": ["href", "title"],
    "td": ["class", "id", "colspan", "rowspan", "style"],
    "th": ["class", "id", "colspan", "rowspan", "style", "scope"],
    "table": ["class", "id", "border", "style"],
    "tr": ["class", "id", "style"],
    "span": ["class", "id", "style"],
    "div": ["class", "id", "style"],
    "col": ["span", "style"],
}


def escape_markdown(value: Any) -> str:
    r"""Text of ``value`` that Markdown displays literally, whatever it contains.

    Examples
    --------
    >>> print(escape_markdown("<script>alert(1)</script>"))
    &lt;script&gt;alert\(1\)&lt;/script&gt;
    >>> print(escape_markdown("[click](javascript:alert(1))"))
    \[click\]\(javascript:alert\(1\)\)
    >>> print(escape_markdown("the others' chance"))
    the others' chance
    """
    # quotes need no escaping in text (and mistune shows &#x27; literally)
    text = html.escape(str(value), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def sanitize_html(fragment: str) -> str:
    """An HTML fragment with only the allowed tags and attributes left.

    Scripts, event handlers (``onerror=``), frames, forms, images and links other than
    http(s), mailto and in-page anchors are removed or escaped; tables, their styling
    and basic text markup stay.

    Examples
    --------
    >>> sanitize_html('<b>a</b><img src=x onerror="alert(1)"><script>x()</script>')
    '<b>a</b>&lt;img src=x onerror="alert(1)"&gt;&lt;script&gt;x()&lt;/script&gt;'
    >>> sanitize_html('<a href="javascript:alert(1)">go</a>')
    '<a>go</a>'
    """
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    return str(
        bleach.clean(
            fragment,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            protocols=["http", "https", "mailto"],
            css_sanitizer=CSSSanitizer(),
            strip=False,
        )
    )


def _neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells cannot run as spreadsheet formulas.

    Text cells (and column names) starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return get a leading single quote, which spreadsheets show as text; numeric
    columns are not touched, so a negative number stays a number.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["=HYPERLINK(1)", "-x", "White"], "d": [-0.5, 1.0, 2.0]})
    >>> neutralise_formulas(t)["group"].tolist(), neutralise_formulas(t)["d"].tolist()
    (["'=HYPERLINK(1)", "'-x", 'White'], [-0.5, 1.0, 2.0])
    """
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        out[column] = values.map(_neutralise)
    out.columns = [_neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def slug(text: Any, *, fallback: str = "unnamed", max_length: int = 60) -> str:
    r"""A name made of ``a-z``, ``0-9``, ``-`` and ``_`` that is safe as a file name.

    Accents are folded to ASCII; every other run of characters (``/``, ``..``, spaces,
    ``<``) becomes one ``-``. The result never starts with ``.`` or ``-`` and is never
    empty (``fallback``).

    Examples
    --------
    >>> slug("demo/../../victim")
    'demo-victim'
    >>> slug("Rene\u0301e's study 2026"), slug("../.."), slug("age band")
    ('renee-s-study-2026', 'unnamed', 'age-band')
    """
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9_]+", "-", folded.lower()).strip("-_")
    cleaned = cleaned[:max_length].strip("-_")
    return cleaned or fallback
