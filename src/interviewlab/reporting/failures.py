"""One-line messages for a report that fails outside its notebook's cells.

A report can fail without any cell failing: its Jupyter kernel does not start (no
loopback network, a broken environment) or dies while it runs (killed, out of memory),
or its files cannot be written (disk full, no permission). papermill, nbclient and
jupyter_client then raise their own errors, with text meant for their developers
("Kernel died before replying to kernel_info", or "No space left on device" without the
file). :func:`report_failure` turns each into one line that names the report, the cause
and what to do.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Literal

__all__ = ["disk_full", "kernel_failure", "report_failure"]

#: errors of a file that cannot be written for lack of room
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})
#: errors of a file that cannot be written for lack of permission
_NO_WRITE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
#: the beginnings of jupyter_client's errors for a kernel that did not start
_NOT_STARTED = ("Kernel died before replying", "Kernel didn't respond")

_UNCHANGED = "the previous report (if any) is unchanged"


def kernel_failure(err: BaseException) -> Literal["start", "died"] | None:
    """Whether ``err`` is a kernel that did not start, one that died, or neither.

    Examples
    --------
    >>> from nbclient.exceptions import DeadKernelError
    >>> kernel_failure(DeadKernelError("Kernel died"))
    'died'
    >>> kernel_failure(RuntimeError("Kernel didn't respond in 60 seconds"))
    'start'
    >>> kernel_failure(RuntimeError("something else")) is None
    True
    """
    from nbclient.exceptions import DeadKernelError

    if isinstance(err, DeadKernelError):
        return "died"
    if isinstance(err, RuntimeError | TimeoutError) and str(err).startswith(_NOT_STARTED):
        return "start"
    return None


def disk_full(text: str) -> bool:
    """Whether an error's text (e.g. a failing cell's) says the disk is full.

    Examples
    --------
    >>> disk_full("[Errno 28] No space left on device")
    True
    >>> disk_full("[Errno 2] No such file or directory: 'x.csv'")
    False
    """
    return any(f"[Errno {code}]" in text or os.strerror(code) in text for code in _NO_ROOM)


def report_failure(
    report: str, err: BaseException, *, out_dir: Path, kept: Path | None = None
) -> str | None:
    """The one-line message for a report that failed with ``err``; None for other errors.

    ``kept`` is the folder that keeps the partial executed notebook, if any.

    Examples
    --------
    >>> out = Path("/srv/reports")
    >>> print(report_failure("reliability", RuntimeError(
    ...     "Kernel died before replying to kernel_info"), out_dir=out))
    ... # doctest: +NORMALIZE_WHITESPACE
    Report 'reliability' could not start its Jupyter kernel (kernel died before replying
    to kernel_info). Check that localhost networking works (the kernel talks to the
    report runner over 127.0.0.1) and any kernel error printed above, then rerun the
    report; the previous report (if any) is unchanged.
    >>> print(report_failure("reliability", OSError(errno.ENOSPC, "No space left on device"),
    ...                      out_dir=out))  # doctest: +NORMALIZE_WHITESPACE
    Report 'reliability' could not be written to /srv/reports: no space left on device.
    Free some disk space there (or write the reports to another folder with --out) and
    rerun the report; the previous report (if any) is unchanged.
    """
    kind = kernel_failure(err)
    if kind == "start":
        cause = str(err).strip().rstrip(".")
        return (
            f"Report {report!r} could not start its Jupyter kernel "
            f"({cause[:1].lower()}{cause[1:]}). Check that localhost networking works (the "
            "kernel talks to the report runner over 127.0.0.1) and any kernel error printed "
            f"above, then rerun the report; {_UNCHANGED}."
        )
    if kind == "died":
        where = "" if kept is None else f"; the partial executed notebook is kept in {kept}"
        return (
            f"Report {report!r} stopped: its Jupyter kernel died while running the notebook "
            "(killed, or out of memory). Rerun the report; if the kernel dies again, check "
            f"the free memory and any kernel error printed above. {_UNCHANGED.capitalize()}"
            f"{where}."
        )
    if not isinstance(err, OSError) or err.errno not in _NO_ROOM | _NO_WRITE:
        return None
    reason = (err.strerror or os.strerror(err.errno)).rstrip(".")
    file = f" ({Path(str(err.filename)).name})" if err.filename else ""
    full = err.errno in _NO_ROOM
    what = "Free some disk space there" if full else "Check that you may write there"
    return (
        f"Report {report!r} could not be written to {out_dir}{file}: "
        f"{reason[:1].lower()}{reason[1:]}. {what} (or write the reports to another folder "
        f"with --out) and rerun the report; {_UNCHANGED}."
    )
