"""First thing the fork server of ``report all`` imports: it ends with its parent.

:func:`interviewlab.reporting.batch.run_reports` lists this module first in the fork
server's preload, before :mod:`interviewlab.reporting._warm` (seconds of imports). On
Linux the fork server is then killed when the process that started it ends, and each
worker, killed when the fork server ends (:mod:`interviewlab._lifeline`), with it. Had
that process ended before this request, the fork server ends by itself once its imports
are done: no worker holds a copy of its lifeline pipe yet, which then reads end-of-file.
Elsewhere the workers watch that process themselves.

Imported by any other process (``pytest --doctest-modules`` imports every module), it
does nothing.
"""

from __future__ import annotations

import sys
from multiprocessing import forkserver

from interviewlab._lifeline import parent_death_signal


def in_fork_server() -> bool:
    """Whether this process is a multiprocessing fork server.

    Its main program is ``from multiprocessing.forkserver import main; main(...)``.

    Examples
    --------
    >>> in_fork_server()
    False
    """
    return getattr(sys.modules.get("__main__"), "main", None) is forkserver.main


if in_fork_server():
    parent_death_signal()
