"""Reader tables: headers, formats, suppression marks, no missing-value text, no index."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from interviewlab import suppress_small_cells
from interviewlab.errors import InterviewLabError
from interviewlab.reporting.tables import (
    MIMETYPE,
    SUPPRESSED,
    VERDICT_COLOURS,
    Column,
    format_interval,
    format_p,
    impact_verdict,
    reader_table,
)

COLUMNS = [
    Column("Group", "category"),
    Column("Applicants", "n", "count"),
    Column("Selection rate", "rate", "percent"),
    Column("Impact ratio (95% CI)", ("impact_ratio", "ci_low", "ci_high"), "estimate_ci"),
    Column("p-value", "p_adjusted", "p_value"),
    Column("Against four-fifths", "verdict", "verdict"),
]


@pytest.fixture
def audit() -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "category": ["White", "Black", "Asian", "Mixed", "<script>alert(1)</script>"],
            "role": ["reference", "compared", "compared", "compared", "compared"],
            "n": [1200, 340, 150, 6, 40],
            "selected": [600, 120, 70, 2, 20],
            "rate": [0.5, 120 / 340, 70 / 150, 2 / 6, 0.5],
            "impact_ratio": [1.0, 0.7058823, 0.9333, 0.6667, 1.0],
            "ci_low": [np.nan, 0.6012, 0.79, 0.2, 0.75],
            "ci_high": [np.nan, 0.8231, 1.1, 1.9, 1.3],
            "below_threshold": pd.array([False, True, False, True, False], dtype="boolean"),
            "p_adjusted": [np.nan, 4.973e-08, 0.41, 0.9, 0.999],
        }
    )
    shown = suppress_small_cells(table, counts="n", min_cell_size=10)
    return shown.assign(verdict=impact_verdict(shown))


def test_headers_and_formats(audit):
    rt = reader_table(audit, columns=COLUMNS, caption="Shortlisting by ethnicity")
    frame = rt.frame()
    assert list(frame.columns) == [c.header for c in COLUMNS]
    white, black = rt.rows[0], rt.rows[1]
    # the reference row: its ratio without an interval, no p-value of its own
    assert white == ("White", "1,200", "50.0%", "1.00", "", "reference")
    assert black == ("Black", "340", "35.3%", "0.71 (0.60-0.82)", "< 0.001", "below, significant")
    assert format_p(0.0112) == "0.011"
    assert format_p(0.0009) == "< 0.001"
    assert format_interval(0.371, 0.9) == "0.37-0.90"
    assert format_interval(-0.5, -0.1, 1) == "-0.5 to -0.1"


def test_suppressed_cells_are_marked_with_a_footnote(audit):
    rt = reader_table(audit, columns=COLUMNS, caption="Shortlisting by ethnicity")
    # Mixed (6 people) is suppressed and one more row beside it (complementary), each
    # with the symbol of its own reason on its first blank cell (issue 28, item 3)
    hidden = {r[0]: r[1:] for r in rt.rows if r[1].startswith(SUPPRESSED)}
    assert hidden == {
        "Mixed": ("–*", "–", "–", "–", "–"),
        "<script>alert(1)</script>": ("–†", "–", "–", "–", "–"),
    }
    assert rt.footnotes[0] == "–* not shown: fewer than 10 people behind the figures."
    assert rt.footnotes[1].startswith("–† not shown: hidden so that a figure hidden elsewhere")
    assert not any("compared with is hidden" in note for note in rt.footnotes)


def test_the_footnote_names_only_the_reasons_present(audit):
    # one reason only: the reference hidden, so every row compared with it is hidden
    table = suppress_small_cells(
        audit.drop(columns=["suppressed", "suppression"]).iloc[:3],
        counts="n",
        hide_reference=[False, True, True],
    ).assign(verdict=None)
    rt = reader_table(table, columns=COLUMNS, caption="c")
    assert [r[1] for r in rt.rows] == ["1,200", "–‡", "–‡"]
    assert rt.footnotes == (
        "–‡ not shown: the group compared with is hidden, so every ratio against it "
        "would reveal it.",
    )


def test_a_combined_group_is_marked_and_explained():
    table = pd.DataFrame({"category": ["female", "male or not stated"], "n": [272, 328]})
    rt = reader_table(table, columns=["category", "n"], caption="c")
    assert rt.rows == (("female", "272"), ("male or not stated §", "328"))
    assert rt.footnotes[0].startswith("§ “… or not stated”: people who did not state")


def test_no_missing_value_text_and_no_index_column(audit):
    rt = reader_table(audit, columns=COLUMNS, caption="Shortlisting by ethnicity", full_table="x")
    html = rt.to_html()
    text = re.sub(r"<[^>]+>", " ", html)
    for bad in ("NaN", "<NA>", "&lt;NA&gt;", "None", "nan", "True", "False"):
        assert bad not in text.split(), bad
    # one header row of exactly the chosen headers: no index column, no blank corner
    header_cells = re.findall(r"<th[^>]*>(.*?)</th>", html)
    assert header_cells == [c.header for c in COLUMNS]
    assert 'class="blank' not in html and "row_heading" not in html
    assert "<caption>Shortlisting by ethnicity</caption>" in html
    assert 'href="tables/x.csv"' in html


def test_values_are_escaped(audit):
    rt = reader_table(audit, columns=COLUMNS, caption="Groups <b>bold</b>")
    html = rt.to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html


def test_verdicts_are_words_with_colour(audit):
    rt = reader_table(audit, columns=COLUMNS, caption="Shortlisting by ethnicity")
    assert rt.fills[1] == VERDICT_COLOURS["below, significant"]
    assert rt.fills[2] == VERDICT_COLOURS["not below"]
    html = rt.to_html()
    assert f"background-color: {VERDICT_COLOURS['below, significant']}" in html
    t = pd.DataFrame({"below_threshold": [True], "p_adjusted": [0.3]})
    assert impact_verdict(t, role=None).tolist() == ["below, not significant"]


def test_same_input_same_html(audit):
    a = reader_table(audit, columns=COLUMNS, caption="Shortlisting").to_html()
    b = reader_table(audit, columns=COLUMNS, caption="Shortlisting").to_html()
    assert a == b


def test_mimebundle_carries_the_cells(audit):
    bundle = reader_table(audit, columns=COLUMNS, caption="c")._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", MIMETYPE}
    assert bundle[MIMETYPE]["headers"][-1] == "Against four-fifths"


def test_not_estimable_is_said_in_words():
    t = pd.DataFrame({"group": ["a"], "estimate": [np.nan]})
    rt = reader_table(
        t,
        columns=[Column("Group", "group"), Column("Alpha", "estimate", "number")],
        caption="alpha",
    )
    assert rt.rows == (("a", "n/a"),)
    assert rt.footnotes == ("n/a: not estimable here; the full table gives the reason.",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"caption": " "}, "caption", id="no-caption"),
        pytest.param({"columns": [Column("A", "nope")]}, "no column", id="unknown-column"),
        pytest.param({"columns": [Column("A", "n", "percentage")]}, "allowed kinds", id="kind"),
        pytest.param({"columns": [Column("A", "n", "interval")]}, "needs 2", id="interval"),
        pytest.param({"full_table": "../x"}, "full_table", id="path"),
    ],
)
def test_bad_options_say_what_to_do(audit, kwargs, message):
    args = {"columns": COLUMNS, "caption": "c", **kwargs}
    with pytest.raises(InterviewLabError, match=message):
        reader_table(audit, **args)


def test_a_suppressed_row_blanks_its_later_text_but_keeps_its_label():
    # a rater's DRF row suppressed on a small group: the rater stays named, the group the
    # rater scored lower (blanked by suppression) shows as suppressed, not "(missing)"
    drf = pd.DataFrame({"rater_id": ["R01", "R02"], "n_targets": [145, 3],
                        "drf_low_group": ["male", None], "suppressed": [False, True],
                        "suppression": ["", "fewer than 10"]})  # fmt: skip
    table = reader_table(drf, columns=["rater_id", "n_targets", "drf_low_group"],
                            caption="DRF")  # fmt: skip
    assert table.rows == (("R01", "145", "male"), ("R02", "–*", "–"))
    # a missing label in the leading column is still said in words
    groups = pd.DataFrame({"category": [None], "n": [4], "suppressed": [True],
                           "suppression": ["fewer than 10"]})  # fmt: skip
    assert reader_table(groups, columns=["category", "n"], caption="n").rows == (
        ("(missing)", "–*"),
    )
