"""The hidden folders a report is written in before it is swapped into the output folder.

A report is written into a staging folder beside its final place,
``<out>/.<folder>.<pid>.<random>``, and swapped in by two renames, the previous report
passing through ``<out>/.<folder>.retired-<pid>``. Both names carry the id of the process
that made them, so that a later run can tell what a killed process left behind
(``kill -9``, a power cut) from the folders of a run still going on, and remove only the
former (:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from interviewlab.errors import InterviewLabError

__all__ = ["make_staging", "remove_inside", "remove_stale", "swap_in"]

# report folder names are slugs (letters, digits, "-" and "_"): they contain no dot
_STAGING = re.compile(r"\.(?P<folder>[^.]+)\.(?P<pid>[0-9]+)\.[^.]+")
_RETIRED = re.compile(r"\.(?P<folder>[^.]+)\.retired-(?P<pid>[0-9]+)")


def make_staging(out_dir: Path, folder_name: str) -> Path:
    """A new staging folder for report folder ``folder_name`` in ``out_dir``.

    Named ``.<folder_name>.<pid>.<random>``, with the user's usual permissions (not the
    private 0700 of :func:`tempfile.mkdtemp`).

    Examples
    --------
    >>> import os, tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> make_staging(out, "reliability-demo").name.startswith(f".reliability-demo.{os.getpid()}.")
    True
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{folder_name}.{os.getpid()}.", dir=out_dir))
    staging.chmod(0o777 & ~_umask())
    return staging


def remove_stale(out_dir: Path) -> list[Path]:
    """Remove the staging and retired folders in ``out_dir`` whose process has ended.

    Folders of a process still running (another run writing into the same folder) are
    kept, as are hidden folders named otherwise. Returns the folders removed.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> mine = make_staging(out, "reliability-demo")
    >>> (out / ".reliability-demo.999999999.abcd1234").mkdir()  # no such process
    >>> [p.name for p in remove_stale(out)], mine.is_dir()
    (['.reliability-demo.999999999.abcd1234'], True)
    """
    removed = []
    for entry in sorted(out_dir.iterdir()):
        match = _STAGING.fullmatch(entry.name) or _RETIRED.fullmatch(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        if _running(int(match["pid"])):
            continue
        with contextlib.suppress(FileNotFoundError):  # another run removed it first
            remove_inside(entry, out_dir)
        removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists; True where that cannot be told (nothing is removed)."""
    if pid == os.getpid() or os.name != "posix":
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_inside(path: Path, root: Path) -> None:
    """Delete ``path`` only if it is a direct child of ``root`` (never follow it out)."""
    path = Path(path)
    if path.resolve().parent != root.resolve() or path.is_symlink():
        raise InterviewLabError(f"Refusing to delete {path}: it is not a folder inside {root}.")
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def swap_in(staging: Path, folder: Path) -> None:
    """Replace ``folder`` by ``staging`` (both in the same parent) in two renames."""
    root = folder.parent
    if folder.exists():
        retired = root / f".{folder.name}.retired-{os.getpid()}"
        remove_inside(retired, root)
        folder.rename(retired)
        staging.rename(folder)
        remove_inside(retired, root)
    else:
        staging.rename(folder)


def _umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
