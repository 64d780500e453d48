"""The study's margins and their planning, for :mod:`interviewlab.reporting.disclosure`.

The margins (who is counted: applicants, entrants of each stage, the candidates rated,
by format, by format and stage, by rater group), the combination of not stated with a
named category, and the planning of one group column or two crossed ones over the
margins, with :func:`interviewlab.reporting._protect.protect` (internal).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from interviewlab.reporting._protect import Atoms, protect

if TYPE_CHECKING:
    from interviewlab.data import Study

#: The label of a combined category: "<named category> or not stated".
NOT_STATED = "not stated"

#: How a missing group value is labelled inside the plan.
MISSING = "(missing)"

#: Separator of crossed categories in tables ("female × Black").
SEPARATOR = " × "

_RESIDUAL = re.compile(r"\bother\b", re.IGNORECASE)

__all__ = [
    "MISSING",
    "NOT_STATED",
    "SEPARATOR",
    "deduplicate",
    "margin_counts",
    "not_stated_counts",
    "pair_label",
    "pair_name",
    "period_margin",
    "period_margins",
    "period_values",
    "plan_column",
    "previous_stages",
    "protect_pair",
    "rater_margins",
    "rating_margins",
    "recode_margins",
    "recoded_labels",
    "stage_margins",
    "stage_names",
    "unpack",
]


def stage_names(stages: list[str]) -> list[str]:
    """The margin of each stage's entrants: the applicants for the first."""
    return ["applicants", *stages[1:]] if stages else ["applicants"]


def stage_margins(cand: pd.DataFrame, stages: list[str]) -> dict[str, np.ndarray]:
    entering = np.ones(len(cand), dtype=bool)
    out = {"applicants": entering.copy()}
    for k, stage in enumerate(stages[:-1]):
        entering &= pd.to_numeric(cand[stage], errors="coerce").to_numpy() == 1
        out[stages[k + 1]] = entering.copy()
    return out


def period_margin(period: str, value: object, margin: str = "applicants") -> str:
    """The name of ``margin`` within one period: ``"round 1"``, ``"shortlisted in round 1"``."""
    where = f"{period} {value}"
    return where if margin == "applicants" else f"{margin} in {where}"


def period_values(values: pd.Series) -> list[object]:
    """The periods present, in their declared order (sorted when none is declared)."""
    present = set(values.dropna().astype(object))
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [v for v in values.cat.categories if v in present]
    return sorted(present, key=str)


def period_margins(
    cand: pd.DataFrame, stages: list[str], period: str
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Each period's applicants and entrants of each later stage, and the chain of stages.

    Returns the margins and, for each stage's entrants within a period, the margin of
    the previous stage within that period (see :func:`previous_stages`).
    """
    values = cand[period].astype(object)
    whole = stage_margins(cand, stages)
    names = stage_names(stages)
    out: dict[str, np.ndarray] = {}
    follows: dict[str, str] = {}
    for value in period_values(cand[period]):
        here = (values == value).to_numpy()
        for k, name in enumerate(names):
            out[period_margin(period, value, name)] = whole[name] & here
            if k:
                follows[period_margin(period, value, name)] = period_margin(
                    period, value, names[k - 1]
                )
    return out, follows


def rating_margins(
    study: Study, cand: pd.DataFrame, stages: list[str], formats: list[str]
) -> dict[str, np.ndarray]:
    ratings = study.ratings
    ids = cand["candidate_id"].astype(str)
    out = {"rated": ids.isin(ratings["candidate_id"].astype(str).unique()).to_numpy()}
    for f in formats:
        rated = ratings.loc[ratings["format"].astype(str) == f, "candidate_id"]
        out[f"rated {f}"] = ids.isin(rated.astype(str).unique()).to_numpy()
    if "format_order" in cand.columns:
        order = cand["format_order"].astype(str)
        stage_masks = stage_margins(cand, stages)
        for f in formats:
            took = (order == f) | (order == f"{f} only")
            for name, mask in stage_masks.items():
                out[f"{name} in {f}"] = (took & mask).to_numpy()
    return out


def rater_margins(
    study: Study, cand: pd.DataFrame, groups: list[str]
) -> dict[str, dict[str, np.ndarray]]:
    """Per group column raters also record: candidates rated by raters of each group."""
    raters = study.raters
    if raters is None:
        return {}
    out: dict[str, dict[str, np.ndarray]] = {}
    ids = cand["candidate_id"].astype(str)
    ratings = study.ratings[["candidate_id", "rater_id"]].astype(str)
    for col in groups:
        if col not in study.rater_columns or col not in raters.columns:
            continue
        group_of = raters.set_index(raters["rater_id"].astype(str))[col]
        rated_by = ratings.assign(_g=group_of.reindex(ratings["rater_id"]).to_numpy())
        rated_by = rated_by.dropna(subset=["_g"])
        out[col] = {
            f"rated by {label} raters": ids.isin(part["candidate_id"].unique()).to_numpy()
            for label, part in rated_by.groupby("_g", sort=True)
        }
    return out


def recode_margins(margins: dict[str, np.ndarray], mapping: dict[str, str]) -> dict:
    """Rater-group margins renamed after the combined categories (rater labels too)."""
    out: dict[str, np.ndarray] = {}
    for name, mask in margins.items():
        label = name.removeprefix("rated by ").removesuffix(" raters")
        new = f"rated by {mapping.get(label, label)} raters"
        out[new] = out[new] | mask if new in out else mask
    return out


def deduplicate(margins: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Margins holding the same candidates are one: the first name is kept."""
    seen: dict[bytes, str] = {}
    masks: dict[str, np.ndarray] = {}
    same_as: dict[str, str] = {}
    for name, mask in margins.items():
        key = np.packbits(np.asarray(mask, dtype=bool)).tobytes() + bytes([len(mask) % 8])
        if key in seen:
            same_as[name] = seen[key]
        else:
            seen[key] = name
            masks[name] = np.asarray(mask, dtype=bool)
    return masks, same_as


def recoded_labels(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    text = values.astype(object).where(values.notna(), MISSING).astype(str)
    return text.replace(dict(mapping)) if mapping else text


def previous_stages(stages: Sequence[str], masks: Mapping[str, np.ndarray]) -> dict[str, str]:
    """Each planned stage margin -> the stage margin before it."""
    names = [m for m in stage_names(list(stages)) if m in masks]
    return dict(zip(names[1:], names[:-1], strict=False))


def margin_counts(
    labels: pd.Series, masks: Mapping[str, np.ndarray], weights: np.ndarray | None = None
) -> dict[str, dict[str, int]]:
    """Margin -> category -> people (kept in memory to recognise a table's margin)."""
    text = labels.to_numpy(dtype=object)
    w = np.ones(len(text)) if weights is None else np.asarray(weights, dtype=float)
    out: dict[str, dict[str, int]] = {}
    for margin, mask in masks.items():
        sums = pd.Series(w[mask]).groupby(text[mask]).sum()
        out[margin] = {str(k): int(v) for k, v in sums.items() if v > 0}
    return out


def needs_combining(values: pd.Series, masks: Mapping[str, np.ndarray], min_cell_size: int) -> bool:
    """Whether not stated has 1 to N-1 people in some margin."""
    missing = values.isna().to_numpy()
    return any(0 < int(np.sum(missing & mask)) < min_cell_size for mask in masks.values())


def plan_column(
    values: pd.Series,
    masks: Mapping[str, np.ndarray],
    raters: Mapping[str, np.ndarray],
    *,
    min_cell_size: int,
    reference: str | None,
    follows: Mapping[str, str],
    linked: Sequence[str] = (),
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """One group column's combination ({label: combined label}) and hidden cells.

    Not stated, where small, is combined with the named category that leaves the fewest
    people who stated their group in hidden cells (so that a small named category is
    combined when that spares a complement); among equals, the column's residual
    category ("Other ..."), else the largest: the one whose figures the not-stated
    people change least. It stays on its own only when that hides fewer of them (a
    small named group and a small not stated can protect each other). The ``linked``
    margins (see :func:`interviewlab.reporting._protect.protect`) need no combining.
    """
    options: list[dict[str, str]] = [{}]
    named = values.dropna().astype(str)
    bases = {k: v for k, v in masks.items() if k not in set(linked)}
    if not named.empty and needs_combining(values, {**bases, **raters}, min_cell_size):
        counts = named.value_counts()
        order = sorted(
            counts.index,
            key=lambda lab: (not _RESIDUAL.search(lab), -int(counts[lab]), lab),
        )
        options = [dict.fromkeys((MISSING, lab), f"{lab} or {NOT_STATED}") for lab in order]
        options.append({})  # two small cells can protect each other: kept if it hides least
    best: tuple[float, dict[str, str], dict[str, dict[str, str]]] | None = None
    for mapping in options:
        labels = recoded_labels(values, mapping)
        col_masks = {**masks, **recode_margins(dict(raters), mapping)}
        avoid = [(mapping.get(reference, reference),)] if reference else []
        plan = protect(
            Atoms.build(labels.to_frame(), col_masks),
            min_cell_size=min_cell_size,
            avoid=avoid,
            follows=follows,
            linked=linked,
        )
        stated = values.notna().to_numpy()
        text = labels.to_numpy(dtype=object)
        cost = sum(
            int(np.sum((text == category[0]) & stated & col_masks[margin]))
            for margin, cells in plan.items()
            for category in cells
        )
        if best is None or cost < best[0]:
            best = (cost, mapping, unpack(plan))
    assert best is not None
    return best[1], best[2]


def unpack(plan: dict[str, dict[tuple[str, ...], str]]) -> dict[str, dict[str, str]]:
    return {m: {SEPARATOR.join(k): v for k, v in cells.items()} for m, cells in plan.items()}


def pair_name(a: str, b: str) -> str:
    return f"{a}{SEPARATOR}{b}"


def pair_label(a: str, b: str) -> str:
    if MISSING in (a, b):
        return f"{MISSING}{SEPARATOR}{MISSING}"
    return f"{a}{SEPARATOR}{b}"


def not_stated_counts(
    missing: pd.Series, labels: pd.DataFrame, masks: Mapping[str, np.ndarray]
) -> dict[str, dict[str, int]]:
    """Margin -> category -> people with a missing (now combined) value in it."""
    columns = [labels[c].astype(str).to_numpy(dtype=object) for c in labels.columns]
    key = columns[0]
    for column in columns[1:]:
        key = key + SEPARATOR + column
    flag = missing.to_numpy()
    out: dict[str, dict[str, int]] = {}
    for margin, mask in masks.items():
        counts = pd.Series(key[mask & flag]).value_counts()
        out[margin] = {str(k): int(v) for k, v in counts.items()}
    return out


def protect_pair(
    a_labels: pd.Series,
    b_labels: pd.Series,
    masks: Mapping[str, np.ndarray],
    singles: Mapping[str, dict[str, dict[str, str]]],
    min_cell_size: int,
    weights: np.ndarray | pd.Series | None = None,
) -> dict[str, dict[str, str]]:
    """Plan two crossed group columns over the stages, with their own plans as given."""
    a, b = str(a_labels.name), str(b_labels.name)
    missing = (a_labels == MISSING) | (b_labels == MISSING)
    frame = pd.DataFrame(
        {a: a_labels.where(~missing, MISSING), b: b_labels.where(~missing, MISSING)}
    )
    w = None if weights is None else np.asarray(weights, dtype=float)
    atoms = Atoms.build(frame, masks, w)
    forced: dict[tuple[str, tuple[str, ...]], str] = {}
    published, targets = [], []
    for margin in atoms.margins:
        hidden_a = singles.get(a, {}).get(margin, {})
        hidden_b = singles.get(b, {}).get(margin, {})
        for x, y in atoms.categories(margin):
            if x in hidden_a or y in hidden_b:
                forced[(margin, (x, y))] = "complementary"
        for position, hidden, labels in ((0, hidden_a, a_labels), (1, hidden_b, b_labels)):
            present = set(np.unique(labels.to_numpy(dtype=object)[masks[margin]]))
            for label in sorted(present - {MISSING}):
                key: list[str | None] = [None, None]
                key[position] = label
                row = atoms.cell(margin, key)
                if label not in hidden:
                    published.append(row)
                elif hidden[label].startswith("fewer"):
                    targets.append(row)
    names = list(masks)
    plan = protect(
        atoms,
        min_cell_size=min_cell_size,
        forced=forced,
        published=published,
        targets=targets,
        follows=dict(zip(names[1:], names[:-1], strict=False)),
    )
    return unpack(plan)
