"""Report processes: none outlives `report all`, and failures outside the cells are one line.

Issue 22, items 7 and 8: a `kill -9` of `report all` left its fork server, workers and
kernels running (they went on swapping reports into --out) and hidden staging folders
behind; a kernel that did not start or died, and a full disk, gave raw tracebacks.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import papermill
import psutil
import pytest
from nbclient.exceptions import DeadKernelError

import interviewlab as il
from interviewlab.reporting.batch import run_reports
from interviewlab.reporting.staging import remove_stale

pytestmark = pytest.mark.slow  # every test here runs reports

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads processes as Linux has them")

#: the bound of every wait for processes to end (they end within a second here)
DEADLINE_S = 10.0


def _sleepy_notebooks(folder: Path, names: list[str]) -> Path:
    """Report notebooks that say they have started, then sleep ``sleep_s`` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    params = nbformat.v4.new_code_cell(
        "study = None\noutput_dir = None\nsleep_s = 30", metadata={"tags": ["parameters"]}
    )
    cell = nbformat.v4.new_code_cell(
        "import os, pathlib, time\n"
        "pathlib.Path(output_dir, 'started').write_text(str(os.getpid()))\n"
        "time.sleep(sleep_s)"
    )
    for name in names:
        nbformat.write(nbformat.v4.new_notebook(cells=[params, cell]), folder / f"{name}.ipynb")
    return folder


def _tagged(tag: str) -> list[psutil.Process]:
    """Live processes whose environment carries ``PROBE_TAG=tag`` (every descendant's does)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get("PROBE_TAG") == tag:
                found.append(proc)
        except psutil.Error:  # ended meanwhile, or not ours
            continue
    return found


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` have passed; returns whether it held."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _ended(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _report_all(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "interviewlab.cli", "report", "all", "--out", str(out),
            "--jobs", "2", "--quiet", *extra]  # fmt: skip


def _hidden(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(".")]


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notebooks folder with one report, ``tiny``, that simulates its own data."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    params = nbformat.v4.new_code_cell(
        "study = None\noutput_dir = None", metadata={"tags": ["parameters"]}
    )
    notebook = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(notebook, folder / "tiny.ipynb")
    monkeypatch.setenv("INTERVIEWLAB_NOTEBOOKS", str(folder))
    return tmp_path / "reports"


def _papermill(
    monkeypatch: pytest.MonkeyPatch, error: BaseException | None, *, partial: bool = True
) -> None:
    """papermill writes the executed notebook (unless ``partial`` is false), then ``error``."""

    def execute_notebook(source: str, target: str, **kwargs: Any) -> None:
        if partial:
            nbformat.write(nbformat.read(source, as_version=4), target)
        if error is not None:
            raise error

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)


# ---- no process of `report all` outlives it ----


def test_killed_report_all_leaves_no_process_and_its_staging_is_removed(tmp_path: Path) -> None:
    names = ["sleepy_a", "sleepy_b", "sleepy_c"]
    notebooks = _sleepy_notebooks(tmp_path / "notebooks", names)
    out = tmp_path / "reports"
    tag = uuid.uuid4().hex
    env = {**os.environ, "INTERVIEWLAB_NOTEBOOKS": str(notebooks), "MPLBACKEND": "Agg",
           "PROBE_TAG": tag}  # fmt: skip
    run = subprocess.Popen(
        _report_all(out),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # two reports at once: both kernels are in their sleeping cell
        started = _wait_for(lambda: len(list(out.glob(".*/started"))) == 2, 300)
        assert started and run.poll() is None
        children = psutil.Process(run.pid).children(recursive=True)
        # fork server (or none under spawn), resource tracker, two workers, two kernels
        assert len(children) >= 6
        assert {p.pid for p in children} <= {p.pid for p in _tagged(tag)}
        os.kill(run.pid, signal.SIGKILL)
        killed = time.monotonic()
        run.wait()
        gone = _wait_for(lambda: not _tagged(tag), DEADLINE_S)
        print(f"descendants gone {time.monotonic() - killed:.2f} s after SIGKILL")
        assert gone, [" ".join(p.cmdline())[:80] for p in _tagged(tag)]
    finally:  # whatever happened, nothing of this test is left running
        if run.poll() is None:
            run.kill()
            run.wait()
        for proc in _tagged(tag):
            proc.kill()
    # nothing was swapped in after the kill; the killed workers' staging folders are left
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == []
    assert len([p for p in out.iterdir() if p.name.startswith(".")]) == 2
    # a new run removes them (their processes have ended) and writes every report
    done = subprocess.run(
        _report_all(out, "-p", "sleep_s", "0"),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _hidden(out) == []
    written = sorted(p.name for p in out.glob("sleepy_*"))
    assert written == [f"{name}-demo-sleep_s-0" for name in names]


_CHILD = """
import os, sys, time
from interviewlab import _lifeline
parent = int(sys.argv[1])
if sys.argv[2] == "signal":
    _lifeline.parent_death_signal()
else:
    _lifeline.watch_parent(parent)
print(os.getpid(), flush=True)
time.sleep(60)
"""


_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(__import__("os").getpid()),
                          sys.argv[2]])
time.sleep(60)
"""


@pytest.mark.parametrize("how", ["signal", "watchdog"])
def test_a_child_ends_with_its_parent(how: str) -> None:
    # "signal": killed by Linux when its parent ends; "watchdog": the portable fallback
    command = [sys.executable, "-c", _PARENT, _CHILD, how]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        child = psutil.Process(int(parent.stdout.readline()))
        parent.kill()
    assert _wait_for(lambda: _ended(child), DEADLINE_S)


_JOBLIB = """
import time
from joblib import Parallel, delayed
from interviewlab._lifeline import joblib_lifeline
with joblib_lifeline():
    Parallel(n_jobs=2)(delayed(time.sleep)(60) for _ in range(2))
"""


def test_joblib_workers_end_with_their_parent() -> None:
    run = subprocess.Popen([sys.executable, "-c", _JOBLIB])
    try:
        parent = psutil.Process(run.pid)
        workers: list[psutil.Process] = []

        def two_workers() -> bool:
            # started: each runs its watchdog beside its main thread
            workers[:] = [
                p
                for p in parent.children(recursive=True)
                if "popen_loky" in " ".join(p.cmdline()) and p.num_threads() >= 2
            ]
            return len(workers) >= 2

        assert _wait_for(two_workers, 120)
        run.kill()
        run.wait()
        assert _wait_for(lambda: all(map(_ended, workers)), DEADLINE_S)
    finally:
        run.kill()


# ---- staging folders: removed once their process has ended; nothing written after it ----


def test_only_folders_of_ended_processes_are_removed(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(ended.stdout)
    alive = os.getppid()
    keep = [
        f".reliability-demo.{alive}.abcd1234",  # a run going on in another process
        f".reliability-demo.retired-{alive}",
        ".reliability-demo.abcd1234",  # an older interviewlab's: whose, cannot be told
        ".git",
        "reliability-demo",
    ]
    remove = [f".reliability-demo.{dead}.x1y2z3_4", f".study_overview-demo.retired-{dead}"]
    for name in keep + remove:
        (tmp_path / name).mkdir()
        (tmp_path / name / "page.html").write_text("x")
    assert sorted(p.name for p in remove_stale(tmp_path)) == sorted(remove)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_a_worker_whose_batch_has_ended_writes_nothing(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from interviewlab.reporting import runner

    _papermill(monkeypatch, None)
    monkeypatch.setattr(runner, "parent_ended", lambda: True)
    with pytest.raises(il.InterviewLabError, match="process that started it has ended"):
        il.run_report("tiny", study=None, out=tiny, progress=False)
    assert sorted(p.name for p in tiny.iterdir()) == []


# ---- failures outside the cells: one line with the report, the cause and what to do ----


def _one_line(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("Report 'tiny' ")
    assert message.endswith(".") and not message.endswith("..")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(
            RuntimeError("Kernel died before replying to kernel_info"),
            r"could not start its Jupyter kernel \(kernel died before replying to "
            r"kernel_info\)\. Check that localhost networking works .*then rerun",
            id="died-at-start",
        ),
        pytest.param(
            RuntimeError("Kernel didn't respond in 60 seconds"),
            r"could not start its Jupyter kernel \(kernel didn't respond in 60 seconds\)\. "
            r"Check that localhost networking works",
            id="no-loopback",
        ),
        pytest.param(
            TimeoutError("Kernel didn't respond in 60 seconds"),
            r"could not start its Jupyter kernel",
            id="timeout",
        ),
    ],
)
def test_a_kernel_that_does_not_start_is_one_line(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, message: str
) -> None:
    _papermill(monkeypatch, error, partial=False)
    with pytest.raises(il.InterviewLabError, match=message) as info:
        il.run_report("tiny", study=None, out=tiny, progress=False)
    _one_line(str(info.value))
    assert "previous report (if any) is unchanged" in str(info.value)
    assert sorted(p.name for p in tiny.iterdir()) == []  # nothing hidden, nothing failed


def test_a_kernel_that_dies_is_one_line_and_keeps_the_partial_notebook(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _papermill(monkeypatch, DeadKernelError("Kernel died"))
    with pytest.raises(il.InterviewLabError, match="its Jupyter kernel died") as info:
        il.run_report("tiny", study=None, out=tiny, progress=False)
    _one_line(str(info.value))
    failed = tiny / "tiny-simulated.failed"
    assert f"kept in {failed}." in str(info.value)
    assert (failed / "tiny.ipynb").is_file() and _hidden(tiny) == []
    # in a batch, the same line is the report's outcome
    [outcome] = run_reports(
        [("tiny", {"study": None, "out": tiny, "params": {}, "pdf": False})],
        jobs=1,
        progress=False,
    )
    assert (outcome.status, outcome.reason) == ("failed", str(info.value))


@pytest.mark.parametrize(
    ("where", "error", "message"),
    [
        pytest.param(
            "write_workbook",
            OSError(errno.ENOSPC, "No space left on device"),
            r"could not be written to \S+: no space left on device\. Free some disk space",
            id="disk-full-writing-the-workbook",
        ),
        pytest.param(
            "papermill",
            OSError(errno.ENOSPC, "No space left on device", "/x/.tiny.1.abc/tiny.ipynb"),
            r"could not be written to \S+ \(tiny\.ipynb\): no space left on device\. ",
            id="disk-full-writing-the-notebook",
        ),
        pytest.param(
            "papermill",
            papermill.PapermillExecutionError(
                1, 1, "plt.savefig(...)", "OSError", "[Errno 28] No space left on device", []
            ),
            r"could not be written to \S+: no space left on device\. ",
            id="disk-full-in-a-cell",
        ),
        pytest.param(
            "write_html",
            PermissionError(errno.EACCES, "Permission denied", "/x/.tiny.1.abc/tiny.html"),
            r"\(tiny\.html\): permission denied\. Check that you may write there",
            id="no-permission",
        ),
    ],
)
def test_a_report_that_cannot_be_written_is_one_line(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, where: str, error: Exception, message: str
) -> None:
    from interviewlab.reporting import export

    _papermill(monkeypatch, None)
    before = il.run_report("tiny", study=None, out=tiny, progress=False)
    page = (before / "tiny.html").read_bytes()
    if where == "papermill":
        _papermill(monkeypatch, error)
    else:  # one of the runner's own writes

        def cannot_write(*args: Any, **kwargs: Any) -> None:
            raise error

        monkeypatch.setattr(export, where, cannot_write)
    with pytest.raises(il.InterviewLabError, match=message) as info:
        il.run_report("tiny", study=None, out=tiny, progress=False)
    _one_line(str(info.value))
    assert str(tiny) in str(info.value)
    # the previous report is as it was, and nothing is left hidden or failed
    assert (before / "tiny.html").read_bytes() == page
    assert sorted(p.name for p in tiny.iterdir()) == ["index.html", "tiny-simulated"]
