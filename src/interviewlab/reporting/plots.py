"""Matplotlib figures for notebooks and reports.

Every function draws from a table that has already passed the report's small-cell
suppression (rows with missing estimates are labelled "suppressed", never guessed) and
returns a :class:`matplotlib.figure.Figure`. No function computes a statistic.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
which stays distinguishable under the common colour-vision deficiencies; reference lines
are named in a legend, and titles should say what to read from the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from interviewlab._checks import as_list, require_columns

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "OKABE_ITO",
    "plot_bars",
    "plot_control_chart",
    "plot_estimates",
    "plot_funnel",
    "plot_over_time",
]

#: The Okabe-Ito palette (black first left out: it is kept for text and axes).
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermilion
    "#F0E442",  # yellow
    "#000000",  # black
)
_LINE_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1)))


def _reference_lines(
    lines: Sequence[float] | Mapping[float, str],
) -> list[tuple[float, str]]:
    if isinstance(lines, Mapping):
        return [(float(v), str(label)) for v, label in lines.items()]
    return [(float(v), f"reference line at {float(v):g}") for v in lines]


def _draw_reference_lines(ax: object, lines: list[tuple[float, str]], *, vertical: bool) -> None:
    for i, (value, label) in enumerate(lines):
        draw = ax.axvline if vertical else ax.axhline  # type: ignore[attr-defined]
        draw(
            value,
            color="#555555",
            linestyle=_LINE_STYLES[i % len(_LINE_STYLES)],
            linewidth=1,
            label=label,
        )


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
    reference_lines: Sequence[float] | Mapping[float, str] = (),
    title: str = "",
    xlabel: str = "",
) -> Figure:
    """Forest plot: one row per table row, the estimate with its confidence interval.

    Rows whose estimate is missing (suppressed or not estimable) are written as such.
    ``reference_lines`` are drawn as dashed vertical lines named in the legend: give a
    mapping such as ``{0.8: "four-fifths rule", 1.0: "equal rates"}`` to name them.

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
    longest = max((len(n) for n in names), default=10)
    from matplotlib.figure import Figure  # imported here: `import interviewlab` stays fast

    fig = Figure(figsize=(7 + max(longest - 28, 0) * 0.06, 0.3 * len(table) + 2.1))
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
        color=OKABE_ITO[0],
        ecolor=OKABE_ITO[4],
        capsize=3,
        label="estimate and interval",
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
    lines = _reference_lines(reference_lines)
    _draw_reference_lines(ax, lines, vertical=True)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel(xlabel or estimate)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    height = 0.42 * len(table) + 2.1
    handles, labels = ax.get_legend_handles_labels()
    if lines:
        # the legend sits under the axis so that it never covers a row
        fig.legend(
            handles, labels, loc="lower center", ncol=len(handles), fontsize=8, frameon=False
        )
        fig.tight_layout(rect=(0, 0.38 / height, 1, 1))
    else:
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
    from matplotlib.figure import Figure  # imported here: `import interviewlab` stays fast

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
            color=OKABE_ITO[i % len(OKABE_ITO)],
        )
    ax.set_xticks(positions, [str(v) for v in wide.index])
    ax.set_ylabel(ylabel or y)
    ax.set_title(title, loc="left", fontsize=11)
    if hue:
        ax.legend(title=hue, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_funnel(
    table: pd.DataFrame,
    *,
    stage: str = "stage",
    group: str = "category",
    rate: str = "stage_rate",
    title: str = "",
    ylabel: str = "pass rate among those who entered the stage",
) -> Figure:
    """Funnel chart: each group's pass rate at each stage, one line per group.

    Parameters
    ----------
    table : pandas.DataFrame
        A funnel table (:func:`interviewlab.funnel`) after suppression: one row per stage
        and group, stages in order. Suppressed or missing rates leave a gap in the line.
    stage, group, rate : str
        Column names.
    title, ylabel : str
        Labels; the title should say what to read.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"stage": ["apply", "apply", "offer", "offer"],
    ...                   "category": ["a", "b", "a", "b"],
    ...                   "stage_rate": [0.9, 0.8, 0.4, np.nan]})
    >>> fig = plot_funnel(t)
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['a', 'b']
    """
    require_columns(table, [stage, group, rate], "the funnel table")
    stages = list(dict.fromkeys(table[stage].astype(str)))
    groups = list(dict.fromkeys("missing" if pd.isna(g) else str(g) for g in table[group]))
    labels = table[group].map(lambda g: "missing" if pd.isna(g) else str(g))
    from matplotlib.figure import Figure  # imported here: `import interviewlab` stays fast

    fig = Figure(figsize=(7, 3.8))
    ax = fig.subplots()
    x = np.arange(len(stages))
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    for i, name in enumerate(groups):
        rows = table[labels == name]
        values = pd.to_numeric(rows[rate], errors="coerce").to_numpy(dtype=float)
        where = [stages.index(str(s)) for s in rows[stage]]
        y = np.full(len(stages), np.nan)
        y[where] = values * 100
        ax.plot(
            x,
            y,
            marker=markers[i % len(markers)],
            color=OKABE_ITO[i % len(OKABE_ITO)],
            label=name,
            linewidth=1.6,
        )
    ax.set_xticks(x, [s.replace("_", " ") for s in stages])
    ax.set_xlim(-0.3, len(stages) - 0.7)
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_title(title, loc="left", fontsize=11)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _panels(table: pd.DataFrame, panel: str | None) -> list[str]:
    return list(dict.fromkeys(table[panel].astype(str))) if panel else [""]


def _change_line(ax: object, periods: list[str], change_after: str | None) -> None:
    if change_after is not None and change_after in periods[:-1]:
        ax.axvline(  # type: ignore[attr-defined]
            periods.index(change_after) + 0.5,
            color="#555555",
            linestyle=":",
            linewidth=1.2,
            label="the change",
        )


def _period_order(table: pd.DataFrame, period: str) -> list[str]:
    """The periods of ``table`` in time order (an ordered column's, else as they come)."""
    seen = set(table[period].astype(str))
    if isinstance(table[period].dtype, pd.CategoricalDtype):
        return [str(p) for p in table[period].cat.categories if str(p) in seen]
    if "period_index" in table.columns:
        order = table.sort_values("period_index", kind="stable")[period].astype(str)
        return list(dict.fromkeys(order))
    return list(dict.fromkeys(table[period].astype(str)))


#: the ratios labelled on a logarithmic axis of impact ratios
_RATIO_TICKS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.25, 2.0, 3.0, 5.0, 10.0, 20.0)


def plot_over_time(
    table: pd.DataFrame,
    *,
    period: str,
    category: str = "category",
    estimate: str = "impact_ratio",
    ci: tuple[str, str] = ("ci_low", "ci_high"),
    panel: str | None = None,
    reference_lines: Mapping[float, str] | None = None,
    change_after: str | None = None,
    title: str = "",
    ylabel: str = "impact ratio (95% CI)",
    log: bool = True,
) -> Figure:
    """One line per category over the periods, with intervals; one panel per ``panel``.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows per period and category (e.g. :attr:`interviewlab.ImpactOverTime.rates`)
        after suppression; missing estimates (suppressed, not estimable) leave gaps.
    period, category, estimate, ci : str
        Column names; the periods are drawn in the order they first appear.
    panel : str, optional
        Column splitting the figure into panels side by side (e.g. the stage).
    reference_lines : mapping, optional
        Horizontal lines with their names, e.g. ``{0.8: "four-fifths rule"}``.
    change_after : str, optional
        The last period before a change: a dotted line between it and the next.
    title, ylabel : str
        Labels; the title should say what to read.
    log : bool, default True
        A logarithmic axis (ratios of 0.5 and 2 equally far from 1), limited to 0.05-20
        so that one wide interval does not flatten the others.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["1", "1", "2", "2"], "category": ["a", "b"] * 2,
    ...                   "impact_ratio": [0.6, 1.0, 0.9, 1.0],
    ...                   "ci_low": [0.4, np.nan, 0.7, np.nan],
    ...                   "ci_high": [0.9, np.nan, 1.2, np.nan]})
    >>> fig = plot_over_time(t, period="period", change_after="1",
    ...                      reference_lines={0.8: "four-fifths rule"})
    >>> len(fig.axes)
    1
    """
    require_columns(table, [period, category, estimate, *ci, *as_list(panel)], "the table")
    periods = _period_order(table, period)
    panels = _panels(table, panel)
    categories = list(dict.fromkeys(table[category].astype(str)))
    from matplotlib.figure import Figure  # imported here: `import interviewlab` stays fast

    fig = Figure(figsize=(min(4.2 * len(panels), 13) + 1.6, 3.9))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    x = np.arange(len(periods))
    width = 0.3 / max(len(categories), 1)
    for ax, name in zip(axes, panels, strict=True):
        rows = table if panel is None else table[table[panel].astype(str) == name]
        for i, value in enumerate(categories):
            part = rows[rows[category].astype(str) == value]
            where = [periods.index(str(p)) for p in part[period]]
            est, lo, hi = (np.full(len(periods), np.nan) for _ in range(3))
            est[where] = part[estimate].to_numpy(dtype=float)
            lo[where] = part[ci[0]].to_numpy(dtype=float)
            hi[where] = part[ci[1]].to_numpy(dtype=float)
            shift = x + (i - (len(categories) - 1) / 2) * width
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            ax.plot(
                shift,
                est,
                marker=_MARKERS[i % len(_MARKERS)],
                color=colour,
                label=value,
                linewidth=1.4,
            )
            err = np.vstack([est - lo, hi - est])
            ax.errorbar(
                shift,
                est,
                yerr=np.where(np.isnan(err), 0, err),
                fmt="none",
                ecolor=colour,
                alpha=0.6,
                capsize=2,
            )
        for level, name_of_line in (reference_lines or {}).items():
            ax.axhline(level, color="#555555", linestyle="--", linewidth=1, label=name_of_line)
        _change_line(ax, periods, change_after)
        if log:
            ax.set_yscale("log")
            values = table[[estimate, *ci]].to_numpy(dtype=float)
            values = values[np.isfinite(values) & (values > 0)]
            low = max(0.05, float(values.min()) * 0.9) if values.size else 0.5
            high = min(20.0, float(values.max()) * 1.1) if values.size else 2.0
            bottom, top = min(low, 0.7), max(high, 1.3)
            ax.set_ylim(bottom, top)
            # plain numbers at round ratios (not 6x10^-1 at every minor tick)
            ax.set_yticks([t for t in _RATIO_TICKS if bottom <= t <= top])
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}")
            ax.yaxis.set_minor_formatter(lambda v, _: "")
        ax.set_xticks(x, periods)
        ax.set_xlabel(period.replace("_", " "))
        ax.set_title(name.replace("_", " "), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(ylabel, fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=8, frameon=False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1 - 1.5 / fig.get_figwidth(), 1))
    return fig


def plot_control_chart(
    table: pd.DataFrame,
    *,
    period: str,
    category: str = "category",
    rate: str = "rate",
    limits: tuple[str, str, str] = ("centre", "lcl", "ucl"),
    panel: str | None = None,
    change_after: str | None = None,
    title: str = "",
) -> Figure:
    """p-charts: each category's rate per period against its centre and control limits.

    One row of small charts per category and one column per ``panel`` value; a point
    outside the limits (a period's rate further from the category's usual rate than
    chance would often give) is drawn in vermilion.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows per period and category with the rate and its p-chart limits (the
        ``centre``, ``lcl`` and ``ucl`` of :attr:`interviewlab.ImpactOverTime.rates`),
        after suppression.
    period, category, rate : str
        Column names.
    limits : (str, str, str)
        The centre line and the lower and upper control limits.
    panel : str, optional
        Column giving the charts' columns (e.g. the stage).
    change_after : str, optional
        The last period before a change: a dotted line between it and the next.
    title : str
        What to read.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"period": ["1", "2", "3"], "category": "a",
    ...                   "rate": [0.2, 0.25, 0.6], "centre": 0.3,
    ...                   "lcl": [0.1, 0.12, 0.1], "ucl": [0.5, 0.48, 0.5]})
    >>> fig = plot_control_chart(t, period="period")
    >>> len(fig.axes)
    1
    """
    require_columns(table, [period, category, rate, *limits, *as_list(panel)], "the table")
    periods = _period_order(table, period)
    panels = _panels(table, panel)
    categories = list(dict.fromkeys(table[category].astype(str)))
    from matplotlib.figure import Figure  # imported here: `import interviewlab` stays fast

    fig = Figure(figsize=(min(3.6 * len(panels), 12) + 1.2, 1.9 * len(categories) + 1.0))
    axes = fig.subplots(len(categories), len(panels), sharex=True, squeeze=False)
    x = np.arange(len(periods))
    for r, value in enumerate(categories):
        for c, name in enumerate(panels):
            ax = axes[r][c]
            rows = table[table[category].astype(str) == value]
            if panel is not None:
                rows = rows[rows[panel].astype(str) == name]
            where = [periods.index(str(p)) for p in rows[period]]
            values = {}
            for col in (rate, *limits):
                line = np.full(len(periods), np.nan)
                line[where] = rows[col].to_numpy(dtype=float) * 100
                values[col] = line
            ax.step(
                x,
                values[limits[2]],
                where="mid",
                color="#777777",
                linewidth=0.9,
                linestyle="--",
                label="control limits",
            )
            ax.step(
                x, values[limits[1]], where="mid", color="#777777", linewidth=0.9, linestyle="--"
            )
            ax.plot(
                x,
                values[limits[0]],
                color=OKABE_ITO[4],
                linewidth=1.2,
                label="usual rate (all periods)",
            )
            ax.plot(
                x,
                values[rate],
                marker="o",
                color=OKABE_ITO[0],
                linewidth=1.2,
                label="rate in the period",
            )
            out = (values[rate] < values[limits[1]]) | (values[rate] > values[limits[2]])
            ax.plot(x[out], values[rate][out], "o", color=OKABE_ITO[5], label="outside")
            _change_line(ax, periods, change_after)
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
            ax.grid(axis="y", alpha=0.3)
            if not np.isfinite(values[rate]).any():  # hidden in every period
                ax.set_yticks([])
                ax.text(0.5, 0.5, "not shown", ha="center", va="center",
                        transform=ax.transAxes, color="#777777", fontsize=9)  # fmt: skip
            if r == 0 and panel is not None:
                ax.set_title(name.replace("_", " "), fontsize=10)
            if c == 0:
                ax.set_ylabel(value, fontsize=9)
    for ax in axes[-1]:
        ax.set_xticks(x, periods)
        ax.set_xlabel(period.replace("_", " "))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11)
    fig.tight_layout(rect=(0, 0.5 / fig.get_figheight(), 1, 1))
    return fig
