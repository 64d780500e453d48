"""Report processes: none outlives `report all`, and failures outside the cells are one line.

Issue 22, items 7 and 8: a `kill -9` of `report all` left its fork server, workers and
kernels running (they went on swapping reports into --out) and hidden staging folders
behind; a kernel that did not start or died, and a full disk, gave raw tracebacks.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import psutil
import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads processes as Linux has them")

#: the bound of every wait for processes to end (they end within a second here)
DEADLINE_S = 10.0


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


# ---- no process of `report all` outlives it ----


_CHILD = """
import os, sys, time
from interviewlab import _lifeline
parent = int(sys.argv[1])
if sys.argv[2] == "signal":
    _lifeline.end_with_parent(parent)
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


def test_a_child_whose_parent_has_already_changed_ends_at_once() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, "1", "signal"], capture_output=True, check=False
    )
    assert (done.returncode, done.stdout) == (1, b"")


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
