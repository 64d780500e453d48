"""Matplotlib figures for notebooks and reports.

Every function draws from a table that has already passed the report's small-cell
suppression (rows with missing estimates are labelled "suppressed", never guessed) and
returns a :class:`matplotlib.figure.Figure`. No function computes a statistic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from interviewlab._checks import as_list, require_columns

__all__ = ["plot_bars", "plot_estimates"]


def _labels(table: pd.DataFrame, label: str | Sequence[str]) -> list[str]:
    cols = as_list(label)
    return [
        " / ".join("missing" if pd.isna(v) else str(v) for v in row)
        for row in table[cols].itertuples(index=False)
    ]


def plot_estimates(
    table: pd.DataFrame,
    *,
    label: str | Sequence[str],
    estimate: str = "estimate",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    reference_lines: Sequence[float] = (),
    title: str = "",
    xlabel: str = "",
) -> Figure:
    """Forest plot: one row per table row, the estimate with its confidence interval.

    Rows whose estimate is missing (suppressed or not estimable) are written as such.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b"], "estimate": [0.9, np.nan],
    ...                   "ci_low": [0.7, np.nan], "ci_high": [1.1, np.nan]})
    >>> fig = plot_estimates(t, label="group", reference_lines=[0.8])
    >>> len(fig.axes)
    1
    """
    require_columns(table, [*as_list(label), estimate, *ci], "the table to plot")
    names = _labels(table, label)
    y = np.arange(len(table))[::-1]
    fig = Figure(figsize=(7, 0.45 * len(table) + 1.4))
    ax = fig.subplots()
    est = table[estimate].to_numpy(dtype=float)
    lo = table[ci[0]].to_numpy(dtype=float)
    hi = table[ci[1]].to_numpy(dtype=float)
    shown = ~np.isnan(est)
    err = np.vstack([est - lo, hi - est])[:, shown]
    ax.errorbar(
        est[shown],
        y[shown],
        xerr=np.nan_to_num(err),
        fmt="o",
        color="#1f4e79",
        ecolor="#6b8fb5",
        capsize=3,
    )
    for yy in y[~shown]:
        ax.text(
            0.02,
            yy,
            "suppressed / not estimable",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color="#777777",
        )
    for value in reference_lines:
        ax.axvline(value, color="#b03a2e", linestyle="--", linewidth=1)
    ax.set_yticks(y, names)
    ax.set_xlabel(xlabel or estimate)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_bars(
    table: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str | None = None,
    title: str = "",
    ylabel: str = "",
) -> Figure:
    """Grouped bar chart of ``y`` by ``x`` (and ``hue``); missing values are left blank."""
    require_columns(table, [x, y, *as_list(hue)], "the table to plot")
    wide = (
        table.pivot_table(index=x, columns=hue, values=y, sort=False, dropna=False)
        if hue
        else table.set_index(x)[[y]]
    )
    fig = Figure(figsize=(7, 3.6))
    ax = fig.subplots()
    n_series = wide.shape[1]
    width = 0.8 / max(n_series, 1)
    positions = np.arange(len(wide))
    for i, column in enumerate(wide.columns):
        ax.bar(
            positions + i * width - 0.4 + width / 2,
            wide[column].to_numpy(dtype=float),
            width=width,
            label=str(column),
        )
    ax.set_xticks(positions, [str(v) for v in wide.index])
    ax.set_ylabel(ylabel or y)
    ax.set_title(title)
    if hue:
        ax.legend(title=hue, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
