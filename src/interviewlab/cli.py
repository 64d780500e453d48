"""The ``interviewlab`` command: validate a study, simulate one, run reports."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from interviewlab.errors import InterviewLabError

__all__ = ["main"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from interviewlab.data import load_study

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study = load_study(args.path)
    print(f"OK: study {study.name!r} from {args.path}")
    print(
        f"  {len(study.candidates)} candidates, {len(study.ratings)} ratings, "
        f"{study.ratings['rater_id'].nunique()} raters, "
        f"{study.ratings['question_id'].nunique()} questions, "
        f"scale {study.scale[0]:g}-{study.scale[1]:g}"
    )
    for title, table in study.summary().items():
        print(f"\n{title}:")
        print(table.to_string(index=False))
    for warning in caught:
        print(f"\nwarning: {warning.message}")
    _print_applicable_reports(study)
    return 0


def _print_applicable_reports(study: Any) -> None:
    """Which reports this study can have, and what the others need."""
    from interviewlab.reporting import available_reports
    from interviewlab.reporting.requirements import is_demonstration, skip_reason

    print("\nReports (interviewlab report all --study ...):")
    for name in available_reports():
        if is_demonstration(name):
            print(f"  {name}: a demonstration for trainers (does not use the study)")
            continue
        why = skip_reason(name, study)
        print(f"  {name}: " + ("runs" if why is None else f"skipped: {why}"))


def _cmd_init(args: argparse.Namespace) -> int:
    from interviewlab.data.template import write_template

    path = write_template(args.path, xlsx=args.xlsx)
    print(f"Wrote a study to fill in: {path}")
    print(
        "Replace the example rows with your own data, edit study.toml (its comments say "
        f"what each setting does), then run: interviewlab validate {path}"
    )
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from interviewlab.data import simulate_study

    bias = {}
    for item in args.stage_bias or []:
        stage, _, value = item.partition("=")
        try:
            bias[stage] = float(value)
        except ValueError:
            raise InterviewLabError(
                f"--stage-bias {item!r} must look like STAGE=NUMBER, e.g. shortlisted=-0.4."
            ) from None
    study = simulate_study(
        seed=args.seed,
        name=args.name or Path(args.out).stem,
        n_candidates=args.candidates,
        n_raters=args.raters,
        n_questions=args.questions,
        design=args.design,
        format_effect=args.format_effect,
        focal_format_effect=args.focal_format_effect,
        similarity_bonus=args.similarity_bonus,
        internal_bonus=args.internal_bonus,
        recording_penalty=args.recording_penalty,
        stage_bias=bias,
    )
    path = study.save(args.out)
    print(f"Wrote {len(study.candidates)} candidates and {len(study.ratings)} ratings to {path}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from interviewlab.reporting import available_reports, notebook_parameters
    from interviewlab.reporting.batch import ReportOutcome, run_reports
    from interviewlab.reporting.parameters import check_parameters, resolve_study_path
    from interviewlab.reporting.requirements import is_demonstration

    params: dict[str, str] = dict(args.param or [])
    run_all = args.name == "all"
    names = available_reports() if run_all else [args.name]
    accepted = {name: set(notebook_parameters(name)) for name in names}
    if run_all:
        # with 'all', a parameter goes to the notebooks that have it; check them first so
        # that a typo stops the run before any report is written
        nowhere = sorted(set(params) - set().union(*accepted.values()))
        if nowhere:
            raise InterviewLabError(
                f"No report notebook has the parameter(s) {nowhere}; "
                "`interviewlab report NAME --help` lists a report's parameters."
            )
    study = args.study if args.study is not None else "demo"
    uses_study = [n for n in names if not (is_demonstration(n) and (run_all or args.study is None))]
    loaded = None
    if uses_study:
        from interviewlab.data import load_study

        # the study is checked once, here: an invalid study stops the run with its problems
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = load_study(resolve_study_path(study))
    skipped = _skipped_reports(uses_study, loaded)
    # as many reports at once as cores, at most 4 (the README's rule); each report's
    # kernel is a process of its own, so more at once than cores only queues them
    cores = os.cpu_count() or 1
    jobs = args.jobs if args.jobs is not None else (min(cores, 4) if run_all else 1)
    if jobs < 1:
        raise InterviewLabError(f"--jobs {jobs} must be at least 1.")
    tasks = []
    for name in names:
        if name in skipped:
            continue
        own = {k: v for k, v in params.items() if not run_all or k in accepted[name]}
        check_parameters(name, own)  # a bad request stops the run before any report
        task_study = study if name in uses_study else None
        tasks.append((name, {"study": task_study, "out": args.out, "params": own, "pdf": args.pdf}))
    outcomes = run_reports(tasks, jobs=jobs, progress=not args.quiet) if tasks else []
    by_name = {o.name: o for o in outcomes}
    by_name.update(
        {n: ReportOutcome(n, "skipped", study, reason=why) for n, why in skipped.items()}
    )
    ordered = [by_name[n] for n in names]
    _print_outcomes(ordered, study_name=loaded.name if loaded else None, pdf=args.pdf)
    from interviewlab.reporting import write_index

    out_dir = Path(args.out if args.out is not None else Path.cwd() / "reports").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    records = _index_records(
        ordered,
        params={
            n: {k: v for k, v in params.items() if not run_all or k in accepted[n]} for n in names
        },
        studies={
            n: (loaded.name if loaded else study) if n in uses_study else "simulated" for n in names
        },
    )
    print(f"\nIndex of the reports: {write_index(out_dir, outcomes=records)}")
    return 1 if any(o.status == "failed" for o in ordered) else 0


def _index_records(
    outcomes: Sequence[Any], *, params: dict[str, dict[str, str]], studies: dict[str, str]
) -> list[dict[str, str]]:
    """The index's record of each outcome: report, study, changed parameters, folder, why."""
    from interviewlab.reporting import notebook_parameters
    from interviewlab.reporting.pages import parameters_text
    from interviewlab.reporting.parameters import check_parameters, report_folder_name

    records = []
    for o in outcomes:
        defaults = notebook_parameters(o.name)
        values = check_parameters(o.name, params[o.name])
        changed = {k: v for k, v in values.items() if k != "study" and v != defaults.get(k)}
        records.append(
            {
                "report": o.name,
                "study": studies[o.name],
                "parameters": parameters_text(changed),
                "folder": report_folder_name(o.name, studies[o.name], changed),
                "status": o.status,
                "reason": o.reason,
            }
        )
    return records


def _skipped_reports(names: Sequence[str], study: Any) -> dict[str, str]:
    """The reports of ``names`` that do not apply to the study, with the reason."""
    from interviewlab.reporting.requirements import skip_reason

    reasons = {name: skip_reason(name, study) for name in names}
    return {name: why for name, why in reasons.items() if why is not None}


def _print_outcomes(outcomes: Sequence[Any], *, study_name: str | None, pdf: bool) -> None:
    """What became of each report: written on the study, demonstrations, skipped, failed."""
    sections = {
        "written": f"Reports written on the study {study_name!r}:",
        "demonstration": (
            "Demonstrations for trainers (simulated or published data; they do not use the study):"
        ),
        "skipped": "Skipped: these reports do not apply to the study:",
        "failed": "Failed:",
    }
    for key, title in sections.items():
        rows = [
            o
            for o in outcomes
            if (o.status == key and not (key == "written" and o.simulated))
            or (key == "demonstration" and o.status == "written" and o.simulated)
        ]
        if not rows:
            continue
        # failures go to stderr, so that they are seen when the output is piped
        stream = sys.stderr if key == "failed" else sys.stdout
        print(f"\n{'error: ' if key == 'failed' else ''}{title}", file=stream)
        for o in rows:
            if o.status == "written":
                print(f"  {o.folder / (o.name + '.html')}")
                if pdf:
                    print(f"  {o.folder / (o.name + '.pdf')}")
            else:
                print(f"  {o.name}: {o.reason}", file=stream)
    written = [o for o in outcomes if o.status == "written"]
    if written:
        print("Each report folder also holds its tables, figures and provenance.json.")
    _print_information_loss([o for o in written if not o.simulated], study_name)


def _print_information_loss(written: Sequence[Any], study_name: str | None) -> None:
    """Disclosure control's cost per report and over the study (from disclosure.json)."""
    import json

    losses = {}
    for o in written:
        path = o.folder / "disclosure.json"
        if path.is_file():
            losses[o.name] = json.loads(path.read_text(encoding="utf-8"))["information_loss"]
    if not losses:
        return
    print(f"\nInformation loss from disclosure control on the study {study_name!r}:")
    for name, loss in losses.items():
        print(
            f"  {name}: {loss['suppressed']} of {loss['cells']} cells hidden "
            f"({loss['share_cells']:.1%}); {loss['share']:.1%} of the people counted "
            "hidden or combined"
        )
    cells = sum(v["cells"] for v in losses.values())
    hidden = sum(v["suppressed"] for v in losses.values())
    people = sum(v["people"] for v in losses.values())
    lost = sum(v["people_suppressed"] + v["people_combined"] for v in losses.values())
    print(
        f"  all reports: {hidden} of {cells} cells hidden ({hidden / max(cells, 1):.1%}); "
        f"{lost / max(people, 1):.1%} of the people counted hidden or combined"
    )


def _cmd_audit(args: argparse.Namespace) -> int:
    import json
    import time
    from contextlib import nullcontext

    from interviewlab import __version__
    from interviewlab.impact import count_applicant_files
    from interviewlab.impact.scale import WEIGHT
    from interviewlab.reporting import ReportWriter
    from interviewlab.reporting.bulk_audit import audit_tables
    from interviewlab.reporting.disclosure import Disclosure

    started = time.perf_counter()
    groups = list(dict.fromkeys([*args.group, *(args.intersection or [])]))
    strata = [args.strata] if args.strata else []
    raw_refs: dict[str, str] = {}
    for item in args.reference or []:
        column, sep, value = item.partition("=")
        if not sep or not column or not value:
            raise InterviewLabError(
                f"--reference {item!r} must look like COLUMN=VALUE, e.g. sex=M."
            )
        raw_refs[column] = value
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError as exc:
            raise InterviewLabError(
                "--scheduler needs dask.distributed: pip install 'interviewlab[scale]'."
            ) from exc
        client = Client(args.scheduler)
    with client if args.scheduler else nullcontext():
        counts = count_applicant_files(args.path, columns=[*groups, *strata], stages=args.stages)
    references = {}
    for column, value in raw_refs.items():
        if column not in groups:
            raise InterviewLabError(
                f"--reference {column}={value}: {column!r} is not a --group column {groups}."
            )
        # the reference is given as text; the column may hold numbers (Parquet)
        match = [v for v in counts[column].dropna().unique() if str(v) == value]
        if not match:
            values = sorted(map(str, counts[column].dropna().unique()))
            raise InterviewLabError(
                f"--reference {column}={value}: no applicant has {column} = {value!r}; "
                f"its values are {values}."
            )
        references[column] = match[0]
    out = Path(args.out)
    # the report's disclosure plan, decided once from the counts: a category hidden in one
    # table is hidden in every table
    disclosure = Disclosure.from_counts(
        counts,
        groups=groups,
        stages=args.stages,
        min_cell_size=args.min_cell_size,
        weight=WEIGHT,
        intersection=args.intersection or (),
    )
    writer = ReportWriter(out, min_cell_size=args.min_cell_size, disclosure=disclosure)
    tables = audit_tables(
        counts,
        writer,
        group=args.group,
        stages=args.stages,
        profile=args.profile,
        intersection=args.intersection or (),
        strata=args.strata,
        references=references,
        confidence=args.confidence,
        weight=WEIGHT,
    )
    seconds = time.perf_counter() - started
    files = sorted(Path(args.path).glob("*")) if Path(args.path).is_dir() else [Path(args.path)]
    provenance = {
        "interviewlab": __version__,
        "command": "audit",
        "input": str(args.path),
        "input_files": [
            {"name": f.name, "bytes": f.stat().st_size}
            for f in files
            if f.suffix.lower() in (".parquet", ".csv")
        ],
        "applicants": int(counts[WEIGHT].sum()),
        "combinations": len(counts),
        "parameters": {
            "group": args.group,
            "stages": args.stages,
            "intersection": args.intersection or [],
            "strata": args.strata,
            "references": raw_refs,
            "profile": args.profile,
            "min_cell_size": args.min_cell_size,
            "confidence": args.confidence,
        },
        "tables": sorted(tables),
        "suppressed_tables": sorted(set(writer.suppressed_tables)),
        "seconds": round(seconds, 3),
    }
    (out / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n", "utf-8")
    print(
        f"Audited {provenance['applicants']:,} applicants ({len(counts):,} combinations of "
        f"{', '.join([*groups, *strata, *args.stages])}) in {seconds:.1f} s."
    )
    print(f"Tables in {out / 'tables'}:")
    for name in sorted(tables):
        print(f"  {name}.csv")
    print(writer.suppression_note())
    return 0


def _report_epilog(name: str | None) -> str:
    """The help under ``interviewlab report [NAME] --help``: a report's parameters, or the list.

    With a report name, each parameter of its notebook with its default and its comment
    (``-p KEY VALUE``); otherwise every report with what it needs from a study.
    """
    from interviewlab.reporting import available_reports
    from interviewlab.reporting.parameters import parameter_help
    from interviewlab.reporting.requirements import report_requirements

    reports = available_reports()
    if name in reports:
        lines = [
            f"parameters of {name} (set with -p KEY VALUE; study and output_dir are set "
            "by --study and --out):"
        ]
        for key, default, comment in parameter_help(name):
            if key in ("study", "output_dir"):
                continue
            lines.append(f"  {key} (default {default!r})")
            if comment:
                lines += textwrap.wrap(
                    comment, 88, initial_indent=" " * 6, subsequent_indent=" " * 6
                )
        return "\n".join(lines)
    lines = ["reports (interviewlab report NAME --help lists a report's parameters):"]
    for report in reports:
        needs = report_requirements(report)
        lines.append(f"  {report}" + (f" (needs: {', '.join(needs)})" if needs else ""))
    return "\n".join(lines)


def _help_target(argv: Sequence[str]) -> str | None:
    """The report named in ``interviewlab report NAME --help`` (None otherwise)."""
    if len(argv) >= 2 and argv[0] == "report" and ({"-h", "--help"} & set(argv)):
        return argv[1] if not argv[1].startswith("-") else None
    return None


def build_parser(report_help: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``interviewlab`` command.

    ``report_help`` is the report whose parameters ``interviewlab report NAME --help``
    lists (the parser is built before the name is known, so :func:`main` passes it).
    """
    from interviewlab.reporting import available_reports

    parser = argparse.ArgumentParser(
        prog="interviewlab",
        description="Measure bias and format effects in job interviews.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "validate",
        help="check a study folder or workbook and summarise it",
        description="Load a study (folder, .xlsx workbook or bundled name), "
        "report every problem with its file, line and column, and print "
        "counts per format, group and stage.",
    )
    p.add_argument("path", help="study folder, .xlsx workbook, or bundled study name (demo)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "init",
        help="write a study to fill in (a folder, or an .xlsx workbook)",
        description="Write a template study: study.toml with comments, candidates.csv "
        "and ratings.csv with three example candidates. It validates as it is; replace "
        "the example rows with your own data.",
    )
    p.add_argument("path", help="the new study folder (or workbook with --xlsx)")
    p.add_argument("--xlsx", action="store_true", help="write one .xlsx workbook instead")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser(
        "simulate",
        help="write a simulated study with planted biases",
        description="Simulate a study with known planted effects (see "
        "interviewlab.simulate_study) and save it as a folder or .xlsx.",
    )
    p.add_argument("out", help="output folder (or .xlsx workbook)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--name", help="study name (default: the folder name)")
    p.add_argument("--candidates", type=int, default=600)
    p.add_argument("--raters", type=int, default=12)
    p.add_argument("--questions", type=int, default=5)
    p.add_argument("--design", choices=("between", "within"), default="between")
    p.add_argument(
        "--format-effect", type=float, default=0.0, help="async-minus-live shift for everyone"
    )
    p.add_argument(
        "--focal-format-effect",
        type=float,
        default=0.0,
        help="extra async shift for the focal group",
    )
    p.add_argument(
        "--similarity-bonus",
        type=float,
        default=0.0,
        help="similar-to-me bonus when rater and candidate share ethnicity",
    )
    p.add_argument("--internal-bonus", type=float, default=0.0)
    p.add_argument("--recording-penalty", type=float, default=0.0)
    p.add_argument(
        "--stage-bias",
        action="append",
        metavar="STAGE=VALUE",
        help="planted bias against the focal group at a stage (repeatable)",
    )
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser(
        "report",
        help="run a report notebook into reports/",
        description="Execute a report notebook with papermill and write "
        "reports/<name>-<study>/ (notebook, HTML, tables, figures, provenance). A report "
        "that does not apply to the study (e.g. async_vs_live on a study with one "
        "format) is skipped with its reason; the exit status is 1 when a report failed.",
        epilog=_report_epilog(report_help),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "name", help=f"report notebook name ({', '.join(available_reports())}), or 'all'"
    )
    p.add_argument(
        "--study",
        default=None,
        help="study folder, workbook or bundled name (default: demo; the demonstrations, "
        "panel_training and published_cases, use none unless a study is given)",
    )
    p.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("KEY", "VALUE"),
        help="notebook parameter (repeatable)",
    )
    p.add_argument("--out", help="folder for the reports (default ./reports)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--pdf", action="store_true", help="also write an A4 PDF of each report (Typst)")
    p.add_argument(
        "--jobs",
        type=int,
        help="reports run at the same time, each in its own process (default for 'all': "
        "the number of cores, at most 4; else 1)",
    )
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "audit",
        help="adverse-impact tables of a large applicant table (Parquet or CSV)",
        description="Count the applicants of a Parquet or CSV file (or a folder of them) "
        "with Dask, out of core, then write the adverse-impact audit's tables (regulator's "
        "table and funnel per group, intersectional, Mantel-Haenszel over strata) with "
        "small cells suppressed to OUT/tables/, and OUT/provenance.json.",
    )
    p.add_argument("path", help="a .parquet or .csv file, or a folder of them")
    p.add_argument("--group", nargs="+", required=True, metavar="COLUMN", help="group columns")
    p.add_argument(
        "--stages", nargs="+", required=True, metavar="COLUMN", help="0/1 stage columns, in order"
    )
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument(
        "--intersection", nargs="+", metavar="COLUMN", help="group columns to cross (two or more)"
    )
    p.add_argument("--strata", metavar="COLUMN", help="pool over this column (Mantel-Haenszel)")
    p.add_argument(
        "--reference",
        action="append",
        metavar="COLUMN=VALUE",
        help="reference category of a group column for pooled and WRES tables (repeatable)",
    )
    p.add_argument("--profile", choices=("ugesp", "ofccp", "ll144", "wres"), default="ugesp")
    p.add_argument(
        "--min-cell-size",
        type=int,
        default=10,
        help="smallest number of people behind a shown figure (default 10)",
    )
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="a dask.distributed scheduler to count on"
    )
    p.set_defaults(func=_cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_help_target(argv)).parse_args(argv)
    try:
        return int(args.func(args))
    except InterviewLabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the output went to a program that stopped reading (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        where = f" {err.filename}" if err.filename else ""
        print(
            f"error:{where}: {err.strerror or err}; check the path and that the file can be "
            "read (not open in another program, readable by you).",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
