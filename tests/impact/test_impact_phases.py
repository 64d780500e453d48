"""The impact engine's phases, each alone, on hand-built arrays of counts.

Each test builds an ``_ImpactCounts`` directly (no DataFrame, no public function) and
checks one phase against hand arithmetic or scipy/statsmodels.
"""

from __future__ import annotations

import dataclasses
import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from impact_helpers import expand
from numpy.testing import assert_allclose
from scipy import stats
from scipy.stats.contingency import relative_risk
from statsmodels.stats.multitest import multipletests

from interviewlab import impact
from interviewlab.errors import InterviewLabError, InterviewLabWarning
from interviewlab.impact import _phases as ph


def counts(
    rows: list[tuple[str, int, int]],
    *,
    cells: list[int] | None = None,
    unknown: list[bool] | None = None,
) -> ph._ImpactCounts:
    """Counts from (category, selected, n) rows; one cell unless ``cells`` is given."""
    size = len(rows)
    n = np.array([r[2] for r in rows], dtype=np.int64)
    return ph._ImpactCounts(
        cells=np.array(cells if cells is not None else [0] * size),
        category=np.array([r[0] for r in rows], dtype=object),
        unknown=np.array(unknown if unknown is not None else [False] * size, dtype=bool),
        n=n,
        x=np.array([r[1] for r in rows], dtype=np.int64),
        base=n,
        has_by=cells is not None,
    )


def options(**changes: object) -> ph._ImpactOptions:
    base = ph._ImpactOptions(
        reference="highest",
        frac=Fraction(4, 5),
        confidence=0.95,
        test="fisher",
        p_adjust="holm",
        min_share=0.0,
        min_count=0,
        small_n=30,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def run_to_comparisons(
    c: ph._ImpactCounts, o: ph._ImpactOptions
) -> tuple[ph._Eligibility, ph._Comparator, ph._Comparisons]:
    eligibility = ph._eligibility(c, o)
    comparator = ph._choose_reference(c, eligibility, o)
    return eligibility, comparator, ph._comparisons(c, eligibility, comparator, o.what)


# UGESP Questions & Answers Q12: 60/100, 45/100, 48/100, 51/100.
Q12 = [("White", 60, 100), ("AmInd", 45, 100), ("Hisp", 48, 100), ("Black", 51, 100)]


def test_options_and_counts_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        options().test = "z"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        counts(Q12).has_by = True  # type: ignore[misc]
    assert options(reference="overall").overall
    assert not options(reference=("overall", "x")).overall


def test_counts_from_table_numbers_cells_and_takes_shares_of_the_base_column():
    table = pd.DataFrame(
        {
            "site": ["b", "b", "a"],
            "category": ["x", "unknown", "x"],
            "_unknown": [False, True, False],
            "entered": [4, 2, 5],
            "passed": [1, 0, 2],
            "all": [10, 3, 8],
        }
    )
    c = ph._ImpactCounts.from_table(
        table, by_cols=["site"], n_col="entered", x_col="passed", share_col="all"
    )
    assert c.cells.tolist() == [0, 0, 1]  # in order of appearance
    assert c.known.tolist() == [True, False, True]
    assert c.base.tolist() == [10, 3, 8] and c.n.tolist() == [4, 2, 5] and c.has_by
    assert c.cell_sum(c.n, c.known).tolist() == [4, 4, 5]


def test_eligibility_excludes_empty_small_and_rare_categories_with_reasons():
    c = counts([("a", 5, 80), ("b", 1, 15), ("c", 0, 0), ("d", 1, 5)], unknown=[0, 0, 0, 1])
    e = ph._eligibility(c, options(min_share=0.2, min_count=20))
    assert_allclose(e.share, [80 / 95, 15 / 95, 0.0, np.nan])
    assert_allclose(e.rate, [5 / 80, 1 / 15, np.nan, 0.2])
    assert e.excluded.tolist() == [False, True, True, False]
    assert e.eligible.tolist() == [True, False, False, False]  # unknown is never eligible
    assert e.excluded_reason.tolist() == [
        "",
        "share 15.789% < min_share 20.0%; n=15 < min_count 20",
        "no applicants entering",
        "",
    ]


def test_highest_reference_takes_the_first_of_tied_rates_in_each_cell():
    c = counts(
        [("a", 5, 10), ("b", 5, 10), ("c", 1, 10), ("a", 1, 10), ("b", 3, 10)],
        cells=[0, 0, 0, 1, 1],
    )
    o = options()
    e = ph._eligibility(c, o)
    assert ph._highest_reference(c, e).tolist() == [True, False, False, False, True]
    comparator = ph._choose_reference(c, e, o)
    assert comparator.label.tolist() == ["a", "a", "a", "b", "b"]
    assert comparator.x_ref.tolist() == [5, 5, 5, 3, 3]
    assert comparator.n_cmp.tolist() == [10] * 5 and not comparator.overall


def test_overall_compares_each_group_with_everyone_else():
    c = counts(Q12)
    overall = options(reference="overall")
    comparator = ph._choose_reference(c, ph._eligibility(c, overall), overall)
    assert not comparator.is_ref.any()
    assert comparator.x_ref.tolist() == [204] * 4 and comparator.n_ref.tolist() == [400] * 4
    assert comparator.x_cmp.tolist() == [144, 159, 156, 153]
    assert comparator.n_cmp.tolist() == [300] * 4
    assert set(comparator.label) == {"overall"}


def test_named_reference_raises_without_by_and_notes_missing_cells_with_by():
    c = counts([("a", 5, 10), ("b", 1, 10)])
    absent = r"'z' has no applicants\. Categories present: a, b\."
    with pytest.raises(InterviewLabError, match=absent):
        ph._choose_reference(c, ph._eligibility(c, options()), options(reference="z"))
    small = options(reference="a", min_count=11)
    with pytest.raises(InterviewLabError, match="'a' is excluded"):
        ph._choose_reference(c, ph._eligibility(c, small), small)
    by = counts([("a", 5, 10), ("b", 1, 10), ("b", 2, 10)], cells=[0, 0, 1])
    comparator = ph._choose_reference(by, ph._eligibility(by, options()), options(reference="a"))
    assert comparator.is_ref.tolist() == [True, False, False]
    assert comparator.no_reference.tolist() == [False, False, True]
    assert comparator.notes == (
        "The reference category 'a' is absent or excluded in 1 by cell(s); their groups "
        "are not compared (see the reason column).",
    )
    assert pd.isna(comparator.label[2]) and comparator.name == "a"


def test_comparisons_note_a_reference_with_no_one_selected_and_a_lone_category():
    c = counts([("a", 0, 10), ("b", 0, 10)], cells=[0, 0])
    _, _, comparisons = run_to_comparisons(c, options())
    assert comparisons.compared.tolist() == [False, True]
    assert comparisons.ref_zero.tolist() == [False, True] and not comparisons.ok.any()
    assert comparisons.notes == (
        "No one in the reference group had a selection in 1 cell(s): impact ratios there "
        "are undefined (NaN).",
    )
    _, _, lone = run_to_comparisons(counts([("a", 3, 10)]), options())
    assert not lone.compared.any() and lone.notes[0].startswith("Only one category")


def test_ratio_and_katz_interval_match_ugesp_q12_and_scipy():
    c = counts(Q12)
    _, comparator, comparisons = run_to_comparisons(c, options())
    ratio = ph._ratio_and_interval(c, comparator, comparisons, 0.95)
    assert_allclose(ratio.ratio, [1.0, 0.75, 0.80, 0.85])
    assert ratio.estimable.all() and not ratio.all_selected.any()
    expected = relative_risk(45, 100, 60, 100).confidence_interval(0.95)
    assert_allclose([ratio.ci_low[1], ratio.ci_high[1]], [expected.low, expected.high])
    assert np.isnan(ratio.ci_low[0])  # the reference has ratio 1, no interval


def test_everyone_selected_on_both_sides_has_a_ratio_but_no_interval():
    c = counts([("a", 10, 10), ("b", 8, 8)])
    _, comparator, comparisons = run_to_comparisons(c, options())
    ratio = ph._ratio_and_interval(c, comparator, comparisons, 0.95)
    assert ratio.ratio.tolist() == [1.0, 1.0]
    assert ratio.all_selected.tolist() == [False, True]
    assert np.isnan(ratio.ci_low[1]) and ratio.estimable.tolist() == [True, False]


def test_four_fifths_is_exact_and_flip_flop_counts_one_more_selection():
    # 48/100 over 60/100 is exactly 4/5 (not below); 47/100 is below and flips at 48.
    c = counts([("r", 60, 100), ("at", 48, 100), ("under", 47, 100), ("u", 1, 5)])
    c = dataclasses.replace(c, unknown=np.array([False, False, False, True]))
    _, comparator, comparisons = run_to_comparisons(c, options())
    below, flip = ph._four_fifths(c, comparator, comparisons, Fraction(4, 5))
    assert below.tolist() == [False, False, True, pd.NA]
    assert flip.tolist() == [False, False, True, pd.NA]


def test_significance_matches_scipy_and_holm_within_each_cell():
    c = counts(Q12)
    _, comparator, comparisons = run_to_comparisons(c, options())
    tests = ph._significance(c, comparator, comparisons.compared, options())
    fisher = [stats.fisher_exact([[x, n - x], [60, 40]]).pvalue for _, x, n in Q12[1:]]
    assert_allclose(tests.p_fisher[1:], fisher)
    assert_allclose(tests.p_adjusted[1:], multipletests(fisher, method="holm")[1])
    assert np.isnan(tests.z[0]) and np.isnan(tests.p_adjusted[0])
    z_only = ph._significance(c, comparator, comparisons.compared, options(test="z"))
    assert_allclose(z_only.p_z[1:], 2 * stats.norm.sf(np.abs(tests.z[1:])))


def test_shortfall_is_selections_short_of_the_reference_rate():
    c = counts(Q12)
    _, comparator, comparisons = run_to_comparisons(c, options())
    assert_allclose(ph._shortfall(c, comparator, comparisons.ok), [0.0, 15.0, 12.0, 9.0])


def test_small_sample_flags_give_each_reason():
    c = counts([("a", 3, 10), ("b", 1, 4)])
    _, comparator, comparisons = run_to_comparisons(c, options())
    small, reason = ph._small_sample_flags(c, comparator, comparisons.compared, 30)
    assert small.tolist() == [False, True]
    assert reason[1] == "n=4 < 30; reference n=10 < 30; smallest expected count 1.14 < 5"


def test_not_estimable_reasons_explain_unknown_excluded_and_uncompared_rows():
    c = counts([("a", 5, 50), ("b", 1, 2), ("unknown", 1, 3)], unknown=[False, False, True])
    o = options(min_count=5)
    eligibility, comparator, comparisons = run_to_comparisons(c, o)
    ratio = ph._ratio_and_interval(c, comparator, comparisons, 0.95)
    reasons = ph._not_estimable_reasons(c, eligibility, comparator, comparisons, ratio, o.what)
    assert reasons.tolist() == [
        "",
        "excluded: n=2 < min_count 5",
        "group not known: not compared",
    ]
    assert ph._roles(c, eligibility.excluded, comparator.is_ref).tolist() == [
        "reference",
        "excluded",
        "unknown",
    ]


@pytest.mark.filterwarnings("ignore::interviewlab.errors.SmallSampleWarning")
def test_compute_and_assemble_give_the_public_table_and_warn_at_the_caller():
    data = expand({"a": (3, 10), "b": (1, 10)})
    public = impact.impact_ratios(data, group="group", selected="selected")
    c = counts([("a", 3, 10), ("b", 1, 10)])
    result = ph._compute(c, options())
    assert [f.name for f in dataclasses.fields(result)] == list(public.columns[2:])
    assert_allclose(result.impact_ratio, public["impact_ratio"])
    by = expand({"a": (3, 10), "b": (1, 10)}).assign(site=["x"] * 10 + ["y"] * 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        impact.impact_ratios(by, group="group", selected="selected", reference="a", by="site")
    notes = [w for w in caught if issubclass(w.category, InterviewLabWarning)]
    assert notes and all(w.filename == __file__ for w in notes)
