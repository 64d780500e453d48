"""One disclosure plan per study, shared by every report of that study.

:class:`Disclosure` decides, from the study alone and before any table is made, which
group categories every report hides in which margin, and which small categories
without analytic meaning are first combined with a named one. A *margin* is a set of
candidates whose counts by group some report publishes: the applicants, the entrants
of each stage, the candidates rated (in each format), the candidates of each format
(by stage), those rated by raters of each group and, in a study with periods, each
period's applicants and each stage's entrants within each period (the latter are
*linked* margins: no figure is a share of them, so they have no minimum, but they add
up to the stages' and the plan keeps every small cell underivable from them). The same
categories are hidden in every table of every report of the study, whichever reports run
and in which order.

The rule, in order (see the README's "Suppression rules" for the reader's version):

1. *Combine before suppressing.* Missing group values (including those declared
   "unknown" or "prefer not to say", read as missing) form one "not stated" category.
   Where it has 1 to N-1 people in some margin, it is combined, in every table, with the
   named category that leaves the fewest people who stated their group hidden (so that
   it joins a small group when that spares hiding a larger one); among equals the
   column's residual category ("Other ..."), else its largest (the one whose figures it
   changes least); it stays apart only when that hides fewer (two small cells protect
   each other). Table redesign (combining categories) before cell suppression is the
   order the SDC literature gives (the OECD/Eurostat Glossary of Statistical Disclosure
   Control, "threshold rule": restructure tables and combine categories, or suppress).
2. *Primary suppression.* A category with 1 to N-1 people in a margin is hidden there.
3. *Secondary suppression over linked margins.* The margins are linked (the passers
   of one stage are the entrants of the next; formats add up to the candidates rated;
   crossed categories add up to single ones), so they are protected together, as
   statistical offices protect linked tables (common cells share one suppression status
   in sdcTable's ``protectLinkedTables`` and tau-ARGUS; Statistics Norway's
   GaussSuppression protects them as one system, "global protection"). No small cell
   may be a linear combination of the published cells and totals; for each one that is,
   a linear program finds the cheapest change of the counts that keeps every published
   figure and moves it by one person, and the shown cells that change are hidden as
   complements (:func:`interviewlab.reporting._protect.protect`). A cell costs its
   people, plus the previous stage's row it hides, plus its margin for a reference
   group, so complementary suppression takes the cells that lose least.

Every table row that shows a hidden cell is hidden: a row at a stage shows its entrants
and those who passed (the next stage's entrants), so it is hidden when its entrants are;
when only those who passed are hidden, the row keeps its entrants' counts and loses its
other figures (``"passers"`` in :meth:`Disclosure.row_reasons`). The audit's comparison
group at a stage is one the plan shows there (:meth:`Disclosure.not_reference`).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from interviewlab._checks import as_list, require_columns
from interviewlab.errors import InterviewLabError
from interviewlab.reporting._plan import (
    MISSING,
    NOT_STATED,
    SEPARATOR,
    deduplicate,
    margin_counts,
    not_stated_counts,
    pair_label,
    pair_name,
    period_margin,
    period_margins,
    period_values,
    plan_column,
    previous_stages,
    protect_pair,
    rater_margins,
    rating_margins,
    recode_margins,
    recoded_labels,
    stage_margins,
    stage_names,
    unpack,
)
from interviewlab.reporting._protect import Atoms, protect
from interviewlab.reporting.safety import escape_markdown

if TYPE_CHECKING:
    from interviewlab.data import Study

__all__ = ["CATEGORY_COLUMNS", "NOT_STATED", "REFERENCE_COLUMNS", "Disclosure"]

#: Labels by which report tables show a missing group value in a generic column.
MISSING_LABELS = ("(missing)", "unknown", NOT_STATED)

#: Table columns that hold the row's own category of some group column.
CATEGORY_COLUMNS = ("category", "group", "focal", "group_a", "group_b", "drf_low_group")

#: Table columns that name the category a row is compared with.
REFERENCE_COLUMNS = ("reference", "stage_reference", "cumulative_reference")


@dataclass(frozen=True)
class Disclosure:
    """Which group categories every report of a study hides, in which margin, and why.

    Build it with :meth:`from_study` (every report of a study) or :meth:`from_counts`
    (applicant counts: the stages only). :meth:`apply` gives the study with the
    combined categories; :meth:`rows_to_hide` the rows of a table to hide.

    Attributes
    ----------
    hidden : dict
        Classification (a group column, or two crossed as ``"sex × ethnicity"``) ->
        margin -> {category: reason}; the reason is ``"fewer than N"`` or
        ``"complementary"``. Crossed categories are joined by ``" × "``; a missing value
        is ``"(missing)"``.
    min_cell_size : int
        The minimum number of people behind a shown figure (N).
    combined : dict
        Group column -> {label: combined label} for the categories combined with not
        stated (``"(missing)"`` -> ``"male or not stated"``, ``"male"`` -> the same).
    same_as : dict
        Margin -> the margin of the same candidates under which it is planned.
    stages, formats, groups : tuple of str
        The study's stages in order, interview formats and group columns.
    categories : dict
        Group column -> its categories (after combining), to tell which group column
        a table's generic ``category`` or ``group`` column holds.
    not_stated : dict
        Classification -> margin -> combined category -> the people in it who did not
        state the group (to measure what combining cost; kept in memory only, never
        written: the counts can be small).
    counts : dict
        Group column -> margin -> category -> people: to tell which margin a table
        without a stage or format column counts (in memory only, never written).
    period : str or None
        The candidates' period column (``[periods] column``) whose periods are margins
        (``"round 1"``: its applicants; ``"shortlisted in round 1"``: a stage's entrants
        within it); None: the study has no periods.

    Examples
    --------
    >>> c = pd.DataFrame({"g": ["a"] * 30 + ["b"] * 3 + ["c"] * 12 + ["d"] * 40,
    ...                   "passed": [1, 0] * 15 + [1, 1, 0] + [1] * 12 + [1] * 40})
    >>> Disclosure.from_counts(c, groups=["g"], stages=["passed"]).hidden["g"]
    {'applicants': {'b': 'fewer than 10', 'c': 'complementary'}}
    """

    hidden: dict[str, dict[str, dict[str, str]]]
    min_cell_size: int
    combined: dict[str, dict[str, str]] = field(default_factory=dict)
    same_as: dict[str, str] = field(default_factory=dict)
    stages: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    not_stated: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    counts: dict[str, dict[str, dict[str, int]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    period: str | None = None
    periods: tuple[str, ...] = ()

    # ------------------------------------------------------------------ building
    @classmethod
    def from_study(cls, study: Study, *, min_cell_size: int = 10) -> Disclosure:
        """The plan of every report on ``study``: combined categories and hidden cells.

        Parameters
        ----------
        study : Study
            The study as loaded (missing group values as missing).
        min_cell_size : int
            The minimum number of people behind a shown figure.

        Returns
        -------
        Disclosure

        Notes
        -----
        The margins are the applicants, the entrants of each later stage, the
        candidates rated, rated in each format, of each format (``format_order``)
        among the applicants and the entrants of each stage, and rated by raters of
        each group (for the group columns raters also record). Every group column is
        planned over all of them; every pair of group columns (the crossed categories
        an audit can show) over the stages, protected together with the two columns'
        own plans. Margins holding the same candidates are planned once.

        Examples
        --------
        >>> import interviewlab as il
        >>> plan = Disclosure.from_study(il.load_study("demo"))
        >>> plan.combined["sex"]["(missing)"]
        'male or not stated'
        >>> sorted(plan.hidden["ethnicity"]["appointed"])
        ['Black', 'Mixed']
        """
        _check_size(min_cell_size)
        cand = study.candidates.reset_index(drop=True)
        groups = [g for g in study.group_columns if g in cand.columns]
        stages = [s for s in study.stages if s in cand.columns]
        rated_formats = set(study.ratings["format"].astype(str).unique())
        formats = [f for f in study.formats if f in rated_formats]
        margins = stage_margins(cand, stages)
        margins.update(rating_margins(study, cand, stages, formats))
        period = study.period_column if study.period_column in cand.columns else None
        chain: dict[str, str] = {}
        if period is not None:
            per_period, chain = period_margins(cand, stages, period)
            margins.update(per_period)
        masks, same_as = deduplicate(margins)
        follows = _follows(stages, masks, chain)
        raters = rater_margins(study, cand, groups)
        references = study.reference_groups
        combined: dict[str, dict[str, str]] = {}
        hidden: dict[str, dict[str, dict[str, str]]] = {}
        for col in groups:
            combined[col], hidden[col] = plan_column(
                cand[col],
                masks,
                raters.get(col, {}),
                min_cell_size=min_cell_size,
                reference=references.get(col),
                follows=follows,
                linked=_linked(masks, chain),
            )
        labels = {col: recoded_labels(cand[col], combined[col]) for col in groups}
        counts = {
            col: margin_counts(
                labels[col], {**masks, **recode_margins(raters.get(col, {}), combined[col])}
            )
            for col in groups
        }
        stage_masks = {m: masks[m] for m in stage_names(stages) if m in masks}
        not_stated = {
            col: not_stated_counts(cand[[col]].isna().any(axis=1), labels[col].to_frame(), masks)
            for col in groups
            if combined[col]
        }
        for a, b in itertools.combinations(groups, 2):
            hidden[pair_name(a, b)] = protect_pair(
                labels[a], labels[b], stage_masks, hidden, min_cell_size
            )
            if combined[a] or combined[b]:
                pair = pd.DataFrame({a: labels[a], b: labels[b]})
                not_stated[pair_name(a, b)] = not_stated_counts(
                    cand[[a, b]].isna().any(axis=1), pair, stage_masks
                )
        return cls(
            hidden={k: v for k, v in hidden.items() if v},
            min_cell_size=int(min_cell_size),
            combined={k: v for k, v in combined.items() if v},
            same_as=same_as,
            stages=tuple(stages),
            formats=tuple(formats),
            groups=tuple(groups),
            categories={col: tuple(sorted(labels[col].unique())) for col in groups},
            not_stated=not_stated,
            counts=counts,
            period=period,
            periods=_periods(cand, period),
        )

    @classmethod
    def from_counts(
        cls,
        candidates: pd.DataFrame,
        *,
        groups: Sequence[str],
        stages: Sequence[str] = (),
        min_cell_size: int = 10,
        weight: str | None = None,
        intersection: Sequence[str] = (),
        period: str | None = None,
    ) -> Disclosure:
        """The plan of an audit from candidate counts per group and stage.

        Parameters
        ----------
        candidates : pandas.DataFrame
            One row per candidate (or per combination, with ``weight``), with the group
            columns and one 0/1 column per stage.
        groups : list of str
            The group columns.
        stages : list of str
            The stages in order; a candidate enters a stage after passing the previous
            one (all applicants enter the first).
        min_cell_size : int
            The minimum number of people behind a shown figure.
        weight : str, optional
            Column of frequency counts when each row stands for several candidates (the
            ``n_applicants`` of :func:`interviewlab.applicant_counts`).
        intersection : list of str, optional
            Two group columns crossed in a table: planned with the single columns.
        period : str, optional
            The candidates' period column: each period's applicants and the entrants of
            each later stage within each period are margins too.

        Returns
        -------
        Disclosure
            Margins: the applicants and the entrants of each later stage (and, with
            ``period``, the same within each period). Nothing is combined (the counts
            are used as given).
        """
        _check_size(min_cell_size)
        require_columns(
            candidates, [*groups, *stages, *as_list(weight), *as_list(period)], "the candidates"
        )
        cand = candidates.reset_index(drop=True)
        weights = None if weight is None else pd.to_numeric(cand[weight], errors="raise").to_numpy()
        margins = stage_margins(cand, list(stages))
        chain: dict[str, str] = {}
        if period is not None:
            per_period, chain = period_margins(cand, list(stages), period)
            margins.update(per_period)
        masks, same_as = deduplicate(margins)
        follows = _follows(stages, masks, chain)
        hidden: dict[str, dict[str, dict[str, str]]] = {}
        labels = {col: recoded_labels(cand[col], {}) for col in groups}
        for col in groups:
            atoms = Atoms.build(labels[col].to_frame(), masks, weights)
            plan = protect(
                atoms, min_cell_size=min_cell_size, follows=follows, linked=_linked(masks, chain)
            )
            hidden[col] = unpack(plan)
        crossed = list(intersection)[:2]
        if len(crossed) == 2:
            a, b = crossed
            stage_masks = {m: masks[m] for m in stage_names(list(stages)) if m in masks}
            hidden[pair_name(a, b)] = protect_pair(
                labels[a], labels[b], stage_masks, hidden, min_cell_size, weights
            )
        return cls(
            hidden={k: v for k, v in hidden.items() if v},
            min_cell_size=int(min_cell_size),
            same_as=same_as,
            stages=tuple(stages),
            groups=tuple(groups),
            categories={col: tuple(sorted(labels[col].unique())) for col in groups},
            counts={col: margin_counts(labels[col], masks, weights) for col in groups},
            period=period,
            periods=_periods(cand, period),
        )

    # ------------------------------------------------------------------ using
    def apply(self, study: Study) -> Study:
        """The study with the combined categories, as every report of it analyses it.

        Candidates' group columns are recoded (missing values and the named category
        into "<category> or not stated"), and so are the raters' columns of the same
        name (the named category only: a rater's missing group stays missing), the
        declared reference groups and a simulated study's planted focal value.

        Examples
        --------
        >>> import interviewlab as il
        >>> demo = il.load_study("demo")
        >>> protected = Disclosure.from_study(demo).apply(demo)
        >>> protected.candidates["sex"].value_counts().to_dict()
        {'male or not stated': 328, 'female': 272}
        """
        if not self.combined:
            return study
        cand = study.candidates.copy()
        raters = study.raters.copy() if study.raters is not None else None
        meta = json.loads(json.dumps(study.meta, default=str))
        for col, mapping in self.combined.items():
            cand[col] = recoded_labels(cand[col], mapping).astype(object)
            if raters is not None and col in raters.columns:
                named = {k: v for k, v in mapping.items() if k != MISSING}
                raters[col] = raters[col].astype(object).replace(named)
            refs = meta.get("groups", {}).get("reference", {})
            if refs.get(col) in mapping:
                refs[col] = mapping[refs[col]]
            planted = meta.get("planted", {})
            if planted.get("focal_column") == col and planted.get("focal_value") in mapping:
                planted["focal_value"] = mapping[planted["focal_value"]]
        return dataclasses.replace(study, candidates=cand, raters=raters, meta=meta)

    def rows_to_hide(
        self, table: pd.DataFrame, counts: Sequence[str] = (), *, across_periods: bool = False
    ) -> np.ndarray:
        """Boolean mask of the rows of ``table`` that show a hidden cell.

        The row's own category or the one it is compared with; :meth:`row_reasons`
        says which.
        """
        return self.row_reasons(table, counts, across_periods=across_periods) != ""

    def row_reasons(
        self, table: pd.DataFrame, counts: Sequence[str] = (), *, across_periods: bool = False
    ) -> np.ndarray:
        """Per row: why the study's plan hides it, or ``""``.

        ``"own"``: the row's category is hidden in a margin the row shows;
        ``"passers"``: only in the margin of those who passed the row's stage (the next
        stage's entrants), so the row's own entrants may be shown and the figures
        resting on its passers are hidden; ``"reference"``: the category it is
        compared with is hidden.

        Notes
        -----
        The row's category comes from the columns named after group columns (two of
        them: crossed categories), else from the generic columns
        (:data:`CATEGORY_COLUMNS`, matched with the group column whose categories they
        are). Its margins: with a ``stage`` column, that stage's entrants and the next
        stage's (those who passed), and the applicants when the table has an
        ``applicants`` column; with per-format counts (``n_<format>``), the same within
        each format; with a ``format`` column, the candidates rated in that format; with
        a ``rater_<group>`` column, the candidates rated and those rated by raters of
        that group; otherwise the margins whose counts of the row's category equal the
        row's ``counts`` columns (and its ``selected`` column), or, when none does (a
        population no margin covers, e.g. candidates with a measured recording), every
        margin that is not a stage or a rater group.

        In a study with periods, a row with the period column shows that period's
        margins instead: its applicants and, at a stage, the stage's entrants and
        passers within the period (linked to the stage's over all periods, which they
        add up to: the plan's linear program keeps those underivable). With
        ``across_periods`` the rows pool
        several periods (a trend, a before-and-after comparison): they show every
        period's margins, so a category hidden in any period is hidden, since the pooled
        figure, less the periods shown, would give the hidden ones away.
        """
        out = np.full(len(table), "", dtype=object)
        if not self.hidden or table.empty:
            return out
        passers = self._passer_margins(table) if not across_periods else None
        for i, (key, own, margins, refs) in enumerate(
            self._rows(table, counts, across_periods=across_periods)
        ):
            plan = self.hidden.get(key, {}) if key else {}
            hiding = [m for m in margins if own is not None and own in plan.get(m, {})]
            if hiding and passers is not None and set(hiding) <= passers[i]:
                out[i] = "passers"
            elif hiding:
                out[i] = "own"
            elif any(r in plan.get(m, {}) for r in refs for m in margins):
                out[i] = "reference"
        return out

    def _passer_margins(self, table: pd.DataFrame) -> list[set[str]]:
        """Per row at a stage: the margins of those who passed it (canonical names).

        The next stage's entrants, in each format too, or in the row's period.
        """
        frame = table.reset_index(drop=True)
        out: list[set[str]] = [set() for _ in range(len(frame))]
        if "stage" not in frame.columns:
            return out
        names = stage_names(list(self.stages))
        per_format = [f for f in self.formats if f"n_{f}" in frame.columns]
        period = self.period if self.period in frame.columns else None
        periods = (
            [None if pd.isna(v) else str(v) for v in frame[period].astype(object)]
            if period is not None
            else [None] * len(frame)
        )
        for i, stage in enumerate(frame["stage"]):
            if stage not in self.stages or list(self.stages).index(stage) + 1 >= len(names):
                continue
            after = names[list(self.stages).index(stage) + 1]
            found = {after, *(f"{after} in {f}" for f in per_format)}
            if period is not None and periods[i] is not None:
                found.add(period_margin(period, str(periods[i]), after))
            out[i] = {self._canonical(m) for m in found}
        return out

    def not_reference(self, group: str | Sequence[str]) -> dict[str, set[str]]:
        """Per stage: the categories of ``group`` the plan hides in a margin its row shows.

        A stage's row shows its entrants and its passers (the next stage's entrants), so
        a category hidden in either may not be the stage's reference: every ratio
        against it would be hidden too. Pass the result to
        :func:`interviewlab.stage_audit` (``not_reference``), so that the comparison
        group is one the plan shows. ``group`` is a group column or two crossed ones
        (labels ``"female × Asian"``).

        Examples
        --------
        >>> import interviewlab as il
        >>> plan = Disclosure.from_study(il.load_study("demo"))
        >>> sorted(plan.not_reference("ethnicity")["shortlisted"])
        ['Black', 'Mixed']
        """
        columns = as_list(group)
        key = pair_name(*columns[:2]) if len(columns) >= 2 else columns[0]
        swap = False
        if key not in self.hidden and len(columns) >= 2:
            key, swap = pair_name(columns[1], columns[0]), True
        plan = self.hidden.get(key, {})
        names = stage_names(list(self.stages))
        out: dict[str, set[str]] = {}
        for k, stage in enumerate(self.stages):
            labels: set[str] = set()
            for margin in names[k : k + 2]:
                labels |= set(plan.get(self._canonical(margin), {}))
            if swap:
                labels = {SEPARATOR.join(reversed(v.split(SEPARATOR))) for v in labels}
            out[stage] = labels - {MISSING}
        return out

    def hides_missing(self, table: pd.DataFrame) -> bool:
        """Whether the group of ``table`` has its not-stated category hidden somewhere.

        A column counting the candidates of unknown group in every row (``n_unknown``)
        then gives that hidden cell away and is blanked by the writer.
        """
        key, _own = self._own_categories(table.reset_index(drop=True))
        plan = self.hidden.get(key, {}) if key else {}
        return any(MISSING in cells or "unknown" in cells for cells in plan.values())

    def not_stated_people(self, table: pd.DataFrame, counts: Sequence[str] = ()) -> np.ndarray:
        """Per row: the people who did not state the group, counted in its category.

        Zero for rows of a category that combines nothing; for a combined category,
        those of the row's first margin (its stage's entrants, its format, ...).
        """
        out = np.zeros(len(table), dtype=float)
        if not self.not_stated or table.empty:
            return out
        for i, (key, own, margins, _refs) in enumerate(self._rows(table, counts)):
            if key in self.not_stated and own is not None and margins:
                out[i] = self.not_stated[key].get(margins[0], {}).get(own, 0)
        return out

    def _rows(
        self, table: pd.DataFrame, counts: Sequence[str], *, across_periods: bool = False
    ) -> list[tuple[str | None, str | None, list[str], list[str]]]:
        """Per row: its classification, own category, margins (canonical), references."""
        frame = table.reset_index(drop=True)
        key, own = self._own_categories(frame)
        refs = self._reference_categories(frame, key)
        margins = self._row_margins(frame)
        period = self.period
        in_period: list[Any] = [None] * len(frame)
        if period is not None and period in frame.columns and not across_periods:
            in_period = [None if pd.isna(v) else str(v) for v in frame[period].astype(object)]
        out = []
        for i in range(len(frame)):
            given = margins[i]
            if in_period[i] is not None:
                given = self._in_periods(given or ["applicants"], [in_period[i]], pooled=False)
            else:
                if given is None:
                    given = self._matching(key, own[i], frame.iloc[i], counts)
                    given = given or self._unstaged()
                if across_periods and period is not None:
                    given = self._in_periods(given, list(self.periods))
            names = [self._canonical(m) for m in given]
            out.append((key, own[i], list(dict.fromkeys(names)), refs[i]))
        return out

    def _matching(
        self, key: str | None, own: str | None, row: pd.Series, counts: Sequence[str]
    ) -> list[str]:
        """The margins whose count of ``own`` equals the row's counts (none: unknown)."""
        known = self.counts.get(key or "", {})
        if own is None or not known or not counts:
            return []
        found: list[str] = []
        for col in [*counts, "selected"]:
            value = pd.to_numeric(pd.Series([row.get(col)]), errors="coerce").iloc[0]
            if pd.isna(value) or value <= 0:
                if col in counts:
                    return []
                continue
            hits = [m for m, cells in known.items() if cells.get(own, 0) == value]
            if not hits and col in counts:
                return []  # a population no margin covers
            found += hits
        return found

    def _in_periods(
        self, margins: list[str], periods: list[str], *, pooled: bool = True
    ) -> list[str]:
        """The margins of the stages within each of ``periods``, and each's applicants.

        A row of one period (``pooled=False``) keeps the margins that are not a stage
        (a format's candidates, ...); a row pooling periods keeps all of ``margins``.
        """
        assert self.period is not None
        staged = set(stage_names(list(self.stages)))
        out = list(margins) if pooled else [m for m in margins if m not in staged]
        for value in periods:
            out.append(period_margin(self.period, value))
            out += [period_margin(self.period, value, m) for m in margins if m in staged]
        return out

    def _canonical(self, margin: str) -> str:
        return self.same_as.get(margin, margin)

    def _own_categories(self, frame: pd.DataFrame) -> tuple[str | None, list[str | None]]:
        named = [g for g in self.groups if g in frame.columns]
        if len(named) >= 2:
            a, b = named[:2]
            values = [
                pair_label(_value(x), _value(y)) for x, y in zip(frame[a], frame[b], strict=True)
            ]
            return pair_name(a, b), list(values)
        if len(named) == 1:
            col = named[0]
            return col, [_value(v) for v in frame[col]]
        generic = [c for c in CATEGORY_COLUMNS if c in frame.columns]
        found = self._column_of(frame, [*generic, *(c for c in REFERENCE_COLUMNS if c in frame)])
        if found is None or not generic:
            return found, [None] * len(frame)
        return found, [_generic(v) for v in frame[generic[0]]]

    def _column_of(self, frame: pd.DataFrame, columns: Sequence[str]) -> str | None:
        """The group column whose categories the generic columns hold (None: none)."""
        seen = {
            str(v)
            for c in columns
            for v in frame[c].dropna()
            if str(v) not in MISSING_LABELS and SEPARATOR not in str(v)
        }
        if not seen:
            return None
        matches = [g for g in self.groups if seen <= self._categories(g)]
        if not matches:
            best = max(self.groups, key=lambda g: len(seen & self._categories(g)), default=None)
            return best if best is not None and seen & self._categories(best) else None
        return matches[0]

    def _categories(self, col: str) -> set[str]:
        return set(self.categories.get(col, ())) | set(self.combined.get(col, {}))

    def _reference_categories(self, frame: pd.DataFrame, key: str | None) -> list[list[str]]:
        columns = [c for c in REFERENCE_COLUMNS if c in frame.columns]
        out: list[list[str]] = [[] for _ in range(len(frame))]
        for col in columns:
            for i, value in enumerate(frame[col]):
                if isinstance(value, str) and value:
                    out[i].append(value)
        return out

    def _row_margins(self, frame: pd.DataFrame) -> list[list[str] | None]:
        names = stage_names(list(self.stages))
        per_format = [f for f in self.formats if f"n_{f}" in frame.columns]
        rater_cols = [f"rater_{g}" for g in self.groups if f"rater_{g}" in frame.columns]
        out: list[list[str] | None] = []
        for i in range(len(frame)):
            row = frame.iloc[i]
            if "stage" in frame.columns and row["stage"] in self.stages:
                k = list(self.stages).index(row["stage"])
                here = names[k : k + 2]
                if per_format:
                    out.append([f"{m} in {f}" for m in here for f in per_format])
                else:
                    extra = ["applicants"] if "applicants" in frame.columns else []
                    out.append([*here, *extra])
            elif "format" in frame.columns and row["format"] in self.formats:
                out.append([f"rated {row['format']}"])
            elif rater_cols:
                out.append(["rated", f"rated by {row[rater_cols[0]]} raters"])
            else:
                out.append(None)  # no stage, format or rater group: see _rows
        return out

    def _unstaged(self) -> list[str]:
        """The margins that are not a stage, a format at a stage or a rater group."""
        return [
            "applicants",
            "rated",
            *(f"rated {f}" for f in self.formats),
            *(f"applicants in {f}" for f in self.formats),
        ]

    # ------------------------------------------------------------------ describing
    def records(self) -> list[dict[str, str]]:
        """The hidden cells as records: classification, margin, category, reason."""
        return [
            {"classification": key, "margin": margin, "category": label, "reason": why}
            for key, by_margin in self.hidden.items()
            for margin, cells in by_margin.items()
            for label, why in cells.items()
        ]

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-able data (written as ``disclosure.json`` in each report)."""
        return {
            "min_cell_size": self.min_cell_size,
            "combined": [
                {"column": col, "label": label, "combined_into": into}
                for col, mapping in self.combined.items()
                for label, into in mapping.items()
            ],
            "same_margins": dict(self.same_as),
            "hidden": self.records(),
        }

    def hidden_categories(self, table: pd.DataFrame, rows: np.ndarray) -> set[tuple[str, str]]:
        """The (classification, category) of the given rows of ``table`` (for notes)."""
        details = self._rows(table, ())
        return {
            (key, own)
            for i, (key, own, _m, _r) in enumerate(details)
            if rows[i] and key is not None and own is not None
        }

    def describe(self, hidden: set[tuple[str, str]] | None = None) -> str:
        """Sentences naming the combined categories and the hidden ones, for Markdown.

        ``hidden`` limits the hidden categories named to those (classification,
        category) pairs, e.g. the ones a report's tables hid; by default all.
        """
        parts = []
        for col, mapping in self.combined.items():
            into = sorted(set(mapping.values()))
            parts.append(
                f"People who did not state their {escape_markdown(col)} are counted in "
                + ", ".join(f"**{escape_markdown(v)}**" for v in into)
                + f", as fewer than {self.min_cell_size} did not state it among the "
                "candidates of some stage or format; figures for it are close to, but not "
                "exactly, those of the named group."
            )
        named: dict[str, list[str]] = {}
        for key, by_margin in self.hidden.items():
            for cells in by_margin.values():
                for label in cells:
                    if (hidden is None or (key, label) in hidden) and label not in named.get(
                        key, []
                    ):
                        named.setdefault(key, []).append(label)
        if named:
            listed = "; ".join(
                f"{escape_markdown(key)}: " + ", ".join(escape_markdown(v) for v in sorted(labels))
                for key, labels in named.items()
            )
            parts.append(
                "Groups hidden in some rows (at the stages or in the formats where they, or "
                f"a group they would give away, have fewer than {self.min_cell_size} people; "
                f"every margin is listed in `disclosure.json`): {listed}."
            )
        return " ".join(parts)


# ---------------------------------------------------------------------- helpers


def _follows(
    stages: Sequence[str], masks: dict[str, np.ndarray], chain: dict[str, str]
) -> dict[str, str]:
    """Each planned stage margin -> the one before it (over all periods and within each)."""
    follows = previous_stages(stages, masks)
    follows.update({k: v for k, v in chain.items() if k in masks and v in masks})
    return follows


def _linked(masks: dict[str, np.ndarray], chain: dict[str, str]) -> list[str]:
    """The stages' entrants within each period: linked margins, no one's base."""
    return [m for m in chain if m in masks]


def _periods(cand: pd.DataFrame, period: str | None) -> tuple[str, ...]:
    if period is None:
        return ()
    return tuple(str(v) for v in period_values(cand[period]))


def _check_size(min_cell_size: int) -> None:
    if not isinstance(min_cell_size, int | np.integer) or min_cell_size < 1:
        raise InterviewLabError(f"min_cell_size={min_cell_size!r} must be a whole number >= 1.")


def _value(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return MISSING
    return str(value)


def _generic(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return MISSING if text in MISSING_LABELS else text
