"""A study to start from: ``interviewlab init my-study`` writes one to fill in.

The template holds the required files with a few example rows (three candidates, each
rated by two raters on two questions), and a ``study.toml`` whose comments say what
each setting means and which optional table unlocks which analysis. It validates as
it is, so a user can run ``interviewlab validate`` on it at once and then replace the
example rows with their own.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from interviewlab.errors import InterviewLabError

__all__ = ["write_template"]

STUDY_TOML = """\
# study.toml: what the study is and how to read its files. Only name and [rubric] are
# required; each other table unlocks analyses (see the README, "Bring your own study").
name = "my-study"
description = "Graduate scheme 2026: recorded (async) interview, then a live panel"
source = "HR system export of 2026-05-01"    # where the data came from
licence = "internal"

# optional: how the dates of ratings.csv's rated_at column are written, in strftime
# codes; without it dates must be ISO (2026-03-31). UK exports: "%d/%m/%Y".
date_format = "%Y-%m-%d"

[rubric]                  # the score scale of ratings.csv's score column
min = 1
max = 5
questions = ["q1", "q2"]  # optional: the question ids ratings.csv may use

[groups]                  # candidate group columns of candidates.csv (audit, gaps)
columns = ["sex", "ethnicity"]
unknown = ["unknown", "prefer not to say"]   # counted as missing, never dropped

[groups.reference]        # optional: the group each column's others are compared with
sex = "female"
ethnicity = "White"

[stages]                  # 0/1 columns of candidates.csv, in the order of the process
order = ["completed_async", "shortlisted", "appointed"]

[formats]                 # the labels of ratings.csv's format column
labels = ["async", "live"]

# optional, with raters.csv (rater_id, these columns, role, trained): who rates whom,
# similar-to-me effects and rater training (the panel_effects report)
# [raters]
# columns = ["ethnicity"]

# optional 0/1 columns of candidates.csv: access to the informal parts of the process
# [process]
# columns = ["informal_visit", "pre_interview_call"]
"""

CANDIDATES = pd.DataFrame(
    {
        "candidate_id": ["A001", "A002", "A003"],
        "sex": ["female", "male", "prefer not to say"],
        "ethnicity": ["White", "Black", "Asian"],
        "requisition_id": ["REQ1", "REQ1", "REQ1"],
        "completed_async": [1, 1, 1],
        "shortlisted": [1, 0, 1],
        "appointed": [1, 0, 0],
    }
)

RATINGS = pd.DataFrame(
    [
        (candidate, rater, question, fmt, score, "2026-03-0" + str(day))
        for candidate, fmt, day, base in (
            ("A001", "async", 2, 4),
            ("A002", "async", 3, 3),
            ("A003", "live", 4, 4),
        )
        for rater, shift in (("R1", 0), ("R2", -1))
        for question in ("q1", "q2")
        for score in [base + shift + (question == "q2")]
    ],
    columns=["candidate_id", "rater_id", "question_id", "format", "score", "rated_at"],
)

NOTES = (
    "This workbook is a study to fill in: replace the example rows of 'candidates' and "
    "'ratings' with your own (one row per candidate; one per rating).",
    "The 'study' sheet: a key in column A (dotted, e.g. rubric.min) and its value in "
    "column B; a list is one value per cell to the right, or 'sex, ethnicity' in one cell.",
    "Optional sheets: 'raters' (rater_id, the columns of raters.columns, role, trained) "
    "and 'reactions' (candidate_id, item, response).",
    "Check it with: interviewlab validate <this workbook>. See the README's "
    "'Bring your own study'.",
)


def write_template(path: str | Path, *, xlsx: bool = False) -> Path:
    """Write a template study to fill in, as a folder or (``xlsx=True``) a workbook.

    Parameters
    ----------
    path : str or pathlib.Path
        The folder to create (it must not exist or be empty), or with ``xlsx`` the
        workbook (``.xlsx`` is added when missing; it must not exist).
    xlsx : bool, default False
        Write one ``.xlsx`` workbook with the sheets ``study``, ``candidates``,
        ``ratings`` and ``notes`` instead of a folder of files.

    Returns
    -------
    pathlib.Path
        What was written.

    Raises
    ------
    InterviewLabError
        When ``path`` exists (nothing is overwritten).

    Examples
    --------
    >>> import tempfile
    >>> from interviewlab import load_study
    >>> folder = write_template(Path(tempfile.mkdtemp()) / "my-study")
    >>> sorted(p.name for p in folder.iterdir())
    ['candidates.csv', 'ratings.csv', 'study.toml']
    >>> len(load_study(folder).ratings)
    12
    """
    import tomllib

    path = Path(path)
    if xlsx and path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    if path.exists() and (path.is_file() or any(path.iterdir())):
        raise InterviewLabError(
            f"{path} already exists; init writes a new study and overwrites nothing. "
            "Choose another name."
        )
    if xlsx:
        from interviewlab.data.readers import _flatten, _toml_value

        meta = tomllib.loads(STUDY_TOML)
        study_sheet = pd.DataFrame(
            [(k, _toml_value(v)) for k, v in _flatten(meta)], columns=["key", "value"]
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            study_sheet.to_excel(writer, sheet_name="study", index=False)
            CANDIDATES.to_excel(writer, sheet_name="candidates", index=False)
            RATINGS.to_excel(writer, sheet_name="ratings", index=False)
            pd.DataFrame({"notes": NOTES}).to_excel(writer, sheet_name="notes", index=False)
        return path
    path.mkdir(parents=True, exist_ok=True)
    (path / "study.toml").write_text(STUDY_TOML, encoding="utf-8")
    CANDIDATES.to_csv(path / "candidates.csv", index=False, lineterminator="\n")
    RATINGS.to_csv(path / "ratings.csv", index=False, lineterminator="\n")
    return path
