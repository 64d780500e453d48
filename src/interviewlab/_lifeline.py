"""Helper processes that end when the process that started them ends.

``interviewlab report all`` starts a tree of processes: with ``--jobs`` above 1 a pool of
report workers (and a fork server where the platform has one), each worker's Jupyter
kernel, and any worker processes a notebook starts (joblib's loky, measuring
recordings). None of them may outlive the command, however it ends (``kill -9``
included): a worker left running goes on swapping reports into ``--out``. The parent's
own cleanup does not run when it is killed, so each child looks after itself:

* a report worker runs a watchdog thread that ends it once the batch's process is gone
  (:func:`watch`), on every platform; on Linux it also asks the operating system to kill
  it when its parent ends (:func:`parent_death_signal`, ``prctl(PR_SET_PDEATHSIG)``);
* a Jupyter kernel ends by itself within a second of the process that launched it
  (ipykernel's parent poller, as in every Jupyter front end);
* joblib's workers, started by the library's functions inside a notebook, watch their
  parent on every platform (:func:`joblib_lifeline`).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

__all__ = [
    "WATCHDOG_NAME",
    "joblib_lifeline",
    "parent_death_signal",
    "parent_ended",
    "watch",
    "watch_parent",
]

#: the name of the watchdog thread
WATCHDOG_NAME = "interviewlab-lifeline"

#: from <linux/prctl.h>
_PR_SET_PDEATHSIG = 1


def parent_death_signal() -> bool:
    """Have this process killed (SIGKILL) when its parent ends; False where unsupported.

    Linux only (``prctl(PR_SET_PDEATHSIG)``). The signal comes when the *thread* that
    created this process ends, and the setting is not inherited by this process's own
    children.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return bool(prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)


def watch(alive: Callable[[], bool], *, every: float = 0.25) -> threading.Thread:
    """End this process (exit status 1) as soon as ``alive()`` is false.

    A daemon thread named :data:`WATCHDOG_NAME` calls ``alive`` every ``every`` seconds.
    It ends the process with :func:`os._exit`: nothing more of it runs, as when the
    operating system kills it.
    """

    def run() -> None:
        while alive():
            time.sleep(every)
        os._exit(1)

    thread = threading.Thread(target=run, name=WATCHDOG_NAME, daemon=True)
    thread.start()
    return thread


def _parent_watchdog() -> Callable[[int], None]:
    """:func:`watch_parent`, made as a function that is pickled by value.

    joblib's workers unpickle their initializer first: a function of this module would
    have them import interviewlab first (seconds, more on a busy machine), and a worker
    would outlive a parent killed meanwhile. This one needs only the standard library.
    """

    def watch_parent(parent: int) -> None:
        """End this process once process ``parent``, its creator, is no longer its parent.

        A watchdog thread polls :func:`os.getppid`, on every platform; for the workers
        of joblib (its ``initializer``), which run no code of ours before their tasks.
        """
        import os
        import threading
        import time

        def run() -> None:
            while os.getppid() == parent:
                time.sleep(0.25)
            os._exit(1)

        if os.getppid() != parent:
            os._exit(1)
        # the name is WATCHDOG_NAME's, written out: the function takes no global along
        threading.Thread(target=run, name="interviewlab-lifeline", daemon=True).start()

    return watch_parent


#: one object, so that joblib sees the same initializer and reuses its workers
watch_parent = _parent_watchdog()


def parent_ended() -> bool:
    """Whether this process is a multiprocessing child whose parent process has ended.

    A report worker checks it before it swaps a finished report into ``--out``.
    """
    parent = multiprocessing.parent_process()
    return parent is not None and not parent.is_alive()


@contextlib.contextmanager
def joblib_lifeline() -> Iterator[None]:
    """Inside the block, ``joblib.Parallel``'s worker processes end with this process.

    With joblib's default backend, loky, each worker starts a watchdog
    (:func:`watch_parent`); without it a worker outlives a killed parent: it finishes its
    task, then waits for another for loky's idle timeout (300 s). A backend the user has
    chosen (``joblib.parallel_config``, e.g. Dask) is left as it is.
    """
    from joblib import parallel_config
    from joblib.parallel import BACKENDS, get_active_backend

    active, _ = get_active_backend()
    if type(active) is not BACKENDS["loky"] or active.backend_kwargs:
        yield
        return
    with parallel_config(backend="loky", initializer=watch_parent, initargs=(os.getpid(),)):
        yield
