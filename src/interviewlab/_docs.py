"""Docstring fragments shared by several public functions, filled in at import time.

A parameter described the same way in several functions is written once here. A function
names the fragment with a placeholder line in its docstring (``{grouping}``), and
:func:`fill_doc` replaces that line with the fragment, indented as the placeholder is,
so ``help()``, the rendered documentation and the doctests all read the full text. This
is what statsmodels' ``Appender``/``Substitution`` decorators do, with one placeholder
per fragment instead of ``%``-formatting the whole docstring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def grouping(*, statistic: str, interval: str = "interval", units: str = "units") -> str:
    """The ``by``, ``confidence`` and ``min_n`` parameters of a per-group statistic.

    Parameters
    ----------
    statistic : str
        What is computed per group, as the sentence names it ("kappa").
    interval : str
        Which interval the confidence level is of.
    units : str
        What ``min_n`` counts.

    Returns
    -------
    str
        The three parameters' descriptions, unindented.

    Examples
    --------
    >>> print(grouping(statistic="alpha", units="complete candidates"))
    by : str or list of str, optional
        Compute alpha per value of these columns; the output then leads with them.
    confidence : float, default 0.95
        Confidence level of the interval.
    min_n : int, default 20
        Fewer complete candidates than this set ``small_sample``.
    """
    return (
        "by : str or list of str, optional\n"
        f"    Compute {statistic} per value of these columns; the output then leads with them.\n"
        "confidence : float, default 0.95\n"
        f"    Confidence level of the {interval}.\n"
        "min_n : int, default 20\n"
        f"    Fewer {units} than this set ``small_sample``."
    )


def fill_doc(**fragments: str) -> Callable[[F], F]:
    """Replace each ``{name}`` line of the decorated function's docstring by its fragment.

    Parameters
    ----------
    **fragments : str
        Fragment text per placeholder name, unindented.

    Returns
    -------
    callable
        The decorator; it raises ``ValueError`` at import time when the docstring lacks a
        placeholder it is given, so a fragment cannot silently go missing.

    Examples
    --------
    >>> @fill_doc(note="A fragment.")
    ... def f():
    ...     '''Do it.
    ...
    ...     {note}
    ...     '''
    >>> f.__doc__.split()
    ['Do', 'it.', 'A', 'fragment.']
    """

    def decorate(func: F) -> F:
        doc = func.__doc__ or ""
        for name, text in fragments.items():
            pattern = re.compile(rf"^( *)\{{{name}\}} *$", re.MULTILINE)
            match = pattern.search(doc)
            if match is None:
                raise ValueError(f"{func.__qualname__}'s docstring has no {{{name}}} line")
            indent = match.group(1)
            block = "\n".join(indent + line if line else line for line in text.splitlines())
            doc = doc[: match.start()] + block + doc[match.end() :]
        func.__doc__ = doc
        return func

    return decorate
