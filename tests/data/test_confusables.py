"""Labels that look alike but are written with different characters (issue 22, item 9).

Skeletons are those of Unicode TR39 (UTS #39, section 4), of NFKC forms, with the
mappings of Unicode's confusables.txt 17.0.0; the expected look-alikes below are pairs
listed in that file (e.g. ``0435 ; 0065 ; MA # ( е → e ) CYRILLIC SMALL LETTER IE →
LATIN SMALL LETTER E``) or NFKC variants (fullwidth W, which the file does not list).
"""

from __future__ import annotations

import time
import unicodedata
import warnings
from pathlib import Path

import pandas as pd
import pytest
from data_helpers import write_study

from interviewlab.data import Study
from interviewlab.data._confusables_table import TABLE, VERSION
from interviewlab.data.confusables import (
    _warn_confusable_labels,
    confusable_sets,
    look_alike_characters,
    skeleton,
)
from interviewlab.errors import InterviewLabWarning

HEADER = "candidate_id,sex,ethnicity,requisition_id,completed_async,shortlisted,appointed\n"


def candidates(labels: dict[str, int]) -> str:
    """A candidates.csv with ``n`` candidates of each ethnicity label (none rated)."""
    rows, i = [], 0
    for label, n in labels.items():
        for _ in range(n):
            i += 1
            rows.append(f"c{i},female,{label},R1,0,0,0\n")
    return HEADER + "".join(rows)


def test_cyrillic_look_alike_is_named_with_code_points_and_counts(tmp_path: Path) -> None:
    folder = write_study(
        tmp_path / "s", candidates=candidates({"White": 310, "Whit\u0435": 40, "Black": 5})
    )
    with pytest.warns(InterviewLabWarning, match="look alike") as caught:
        study = Study.load(folder)
    [message] = [str(w.message) for w in caught if "look alike" in str(w.message)]
    assert message.startswith("candidates.csv column 'ethnicity' has values that look alike")
    pair = "'White' (310 rows) and 'Whit\\u0435' (40 rows; U+0435 CYRILLIC SMALL LETTER IE)"
    assert pair in message
    assert "kept apart" in message and "retype" in message
    # nothing is merged or dropped: the warning is the only change
    counts = study.candidates["ethnicity"].value_counts()
    assert counts["White"] == 310 and counts["Whit\u0435"] == 40


def test_mixed_script_label_without_a_look_alike_gives_no_warning(tmp_path: Path) -> None:
    # 'Whit\u0435 Irish' has a Cyrillic letter, but no other label looks like it
    labels = {"White": 3, "Whit\u0435 Irish": 2, "\u0410sian": 1}  # Cyrillic A, no 'Asian'
    folder = write_study(tmp_path / "s", candidates=candidates(labels))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study = Study.load(folder)
    assert set(study.candidates["ethnicity"]) == set(labels)


@pytest.mark.parametrize(
    ("label", "look_alike", "character"),
    [
        pytest.param("Black", "Bl\u0430ck", "U+0430 CYRILLIC SMALL LETTER A", id="cyrillic-a"),
        pytest.param("Asian", "\u0391sian", "U+0391 GREEK CAPITAL LETTER ALPHA", id="greek"),
        pytest.param("White", "\uff37hite", "U+FF37 FULLWIDTH LATIN CAPITAL LETTER W", id="wide"),
        pytest.param(
            "Don't know", "Don\u2019t know", "U+2019 RIGHT SINGLE QUOTATION MARK", id="quote"
        ),
        pytest.param("non-binary", "non\u2010binary", "U+2010 HYPHEN", id="hyphen"),
        pytest.param("Polish", "P\u043eli\u0455h", "U+043E CYRILLIC SMALL LETTER O", id="two"),
    ],
)
def test_look_alikes_from_confusables_txt(label: str, look_alike: str, character: str) -> None:
    assert skeleton(label) == skeleton(look_alike)
    assert confusable_sets([label, look_alike, "Other"]) == [[label, look_alike]]
    assert character in look_alike_characters(look_alike)
    assert look_alike_characters(label) == []


@pytest.mark.parametrize(
    "labels",
    [
        pytest.param(["O1", "0l", "Il"], id="ascii-only"),  # TR39-confusable, typed characters
        pytest.param(["Zo\u00eb", "Zoe"], id="diacritic"),
        pytest.param(["Zo\u00eb", "Zo\u0435"], id="diacritic-vs-cyrillic"),
        pytest.param(["\u0411\u0435\u043b\u044b\u0439", "White"], id="russian-word"),
        pytest.param(["Whit\u0435", "Whites"], id="near-but-not-alike"),
    ],
)
def test_labels_that_are_not_reported(labels: list[str]) -> None:
    assert confusable_sets(labels) == []


def test_ratings_identifiers_are_checked_too(tmp_path: Path) -> None:
    ratings = "candidate_id,rater_id,question_id,format,score\n"
    ratings += "c1,r1,q1,async,4\nc1,\u04331,q2,async,3\n"  # Cyrillic ghe looks like r
    cand = HEADER + "c1,female,White,R1,1,0,0\n"
    with pytest.warns(InterviewLabWarning) as caught:
        Study.load(write_study(tmp_path / "s", candidates=cand, ratings=ratings))
    messages = [str(w.message) for w in caught]
    assert any(
        m.startswith("ratings.csv column 'rater_id'")
        and "'\\u04331' (1 rows; U+0433 CYRILLIC SMALL LETTER GHE)" in m
        for m in messages
    )


def test_many_sets_are_summarised() -> None:
    labels = [f"g{i}" for i in range(8)] + [f"g{i}".replace("g", "\u0261") for i in range(8)]
    frame = pd.DataFrame({"group": labels})
    with pytest.warns(InterviewLabWarning, match=r"\(and 3 more such sets\)"):
        _warn_confusable_labels(frame, ["group"], "candidates.csv")


def test_a_column_of_many_identifiers_is_checked_quickly() -> None:
    ids = [f"C{i:07d}" for i in range(100_000)]
    frame = pd.DataFrame({"candidate_id": [*ids, "C\u041e000001"]})  # Cyrillic O
    start = time.perf_counter()
    with pytest.warns(InterviewLabWarning, match=r"'C0000001' \(1 rows\) and 'C\\u041e000001'"):
        _warn_confusable_labels(frame, ["candidate_id"], "candidates.csv")
    assert time.perf_counter() - start < 3


def test_table_is_the_generated_latin_part_of_confusables_txt() -> None:
    # tools/gen_confusables.py writes the table; these are its counts for 17.0.0
    lines = TABLE.strip().splitlines()
    mapped = [code for line in lines for code in line.partition(" : ")[2].split()]
    assert VERSION == "17.0.0" and len(mapped) == len(set(mapped)) == 2196
    for line in lines:  # every prototype is ASCII or a combining diacritical mark
        prototype = [int(c, 16) for c in line.partition(" : ")[0].split()]
        assert all(c < 0x80 or 0x300 <= c <= 0x36F for c in prototype), line
    assert unicodedata.name(chr(int("0435", 16))) == "CYRILLIC SMALL LETTER IE"
