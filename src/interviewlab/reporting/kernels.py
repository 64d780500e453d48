"""Report kernels forked from a warm process, with the analysis libraries already imported.

A report's notebook runs in a Jupyter kernel of its own, as always: a separate process
that papermill drives over ZeroMQ. Started the usual way, each kernel is a new
interpreter that spends about 1.5 s of CPU importing pandas, SciPy, statsmodels, IPython
and interviewlab before its first cell, and ``make report`` starts seven. A worker of
:func:`interviewlab.reporting.batch.run_reports` has imported them already, so before it
starts papermill it forks a *kernel in waiting*: a child that blocks until the kernel
manager asks it to start, then runs the ipykernel command the kernel manager built (its
arguments, working folder and environment), as ``python -m ipykernel_launcher`` would.

Only a process that has not run an event loop, a kernel or a Python thread may fork one
(a fresh report worker does not; its lifeline watchdog holds no lock); every other run of
a report starts its kernel the usual way.

The child ends with its worker: on Linux the operating system kills it when the worker
ends (:mod:`interviewlab._lifeline`); elsewhere a child still waiting reads end-of-file
from the worker and exits, and a started kernel leaves within a second of its parent, as
every ipykernel does.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import io
import json
import logging
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
import traceback
import uuid
from types import TracebackType
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from interviewlab._lifeline import WATCHDOG_NAME, end_with_parent

__all__ = ["KernelInWaiting"]

#: the command a python3 kernelspec runs; its arguments follow these three words
_LAUNCHER = ("-m", "ipykernel_launcher")


class KernelInWaiting:
    """A forked child that becomes one ipykernel when :meth:`start` is called.

    Use it as a context manager around one notebook run, and pass
    :meth:`manager_class` to papermill (``kernel_manager_class=``). A child that is
    never started exits when the context closes.
    """

    def __init__(self) -> None:
        self.pid: int | None = None
        self._pipe: int | None = None
        self.started = False

    def __enter__(self) -> KernelInWaiting:
        current = threading.current_thread()
        if any(t is not current and t.name != WATCHDOG_NAME for t in threading.enumerate()):
            raise RuntimeError(
                "A kernel can be forked only from a process without Python threads "
                "(a fresh report worker); let papermill launch it instead."
            )
        sys.stdout.flush()  # or the child would print what is still buffered again
        sys.stderr.flush()
        read_end, write_end = os.pipe()
        worker = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: wait for the request, then run the kernel
            os.close(write_end)
            end_with_parent(worker)
            os._exit(_serve(read_end))
        os.close(read_end)
        self.pid, self._pipe = pid, write_end
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pipe is not None:
            os.close(self._pipe)  # a child still waiting reads end-of-file and exits
            self._pipe = None
        if not self.started and self.pid is not None:
            os.waitpid(self.pid, 0)

    def start(self, argv: list[str], *, cwd: str, env: dict[str, str]) -> int:
        """Run the kernel in the child with these arguments; returns its process id."""
        if self._pipe is None or self.pid is None or self.started:
            raise RuntimeError("This kernel in waiting is not open or already started.")
        request = json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode()
        pipe, self._pipe = self._pipe, None  # closed below whatever happens
        with os.fdopen(pipe, "wb") as stream:
            stream.write(request)  # BrokenPipeError if the child has died: reaped on exit
        self.started = True
        return self.pid

    def manager_class(self) -> type[AsyncKernelManager]:
        """A kernel manager whose kernel is this child (when the kernelspec is ipykernel's)."""
        waiting = self

        class _Manager(AsyncKernelManager):
            async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
                if self.provisioner is None:
                    self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                    provisioner = _ForkedProvisioner(
                        kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                    )
                    provisioner.waiting = waiting
                    self.provisioner = provisioner
                return await super()._async_pre_start_kernel(**kw)

        return _Manager


def _serve(read_end: int) -> int:
    """The child's life: read the request (or end-of-file), run the kernel, return a code.

    The worker runs under a fork server, so its multiprocessing start method is
    "forkserver"; the kernel gets the platform's default back, as a launched kernel has
    (otherwise e.g. tqdm's lock becomes a named semaphore that outlives the kernel). At
    the end the exit handlers run, as at a normal interpreter exit, and the child leaves
    with :func:`os._exit` so that nothing of the worker's stack runs in it.
    """
    try:
        with os.fdopen(read_end, "rb") as pipe:
            raw = pipe.read()
        if not raw:
            return 0
        request = json.loads(raw)
        multiprocessing.set_start_method(None, force=True)
        # a new interpreter's random state, not the worker's (shared by every kernel)
        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        os.setsid()  # its own process group, as a launched kernel has
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(request["cwd"])
        sys.path[0] = request["cwd"]  # as "python -m ipykernel_launcher" has
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        logging.getLogger("IPKernelApp").addFilter(_quiet_interrupt)
        try:
            IPKernelApp.launch_instance(argv=request["argv"])
        finally:
            atexit._run_exitfuncs()
            _flush_open_files()
        return 0
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 0
    except KeyboardInterrupt:  # Ctrl-C while waiting: leave quietly, as the worker does
        return 130
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _quiet_interrupt(record: logging.LogRecord) -> bool:
    """Drop ipykernel's "KeyboardInterrupt caught in kernel." (see the provisioner)."""
    return not str(record.msg).startswith("KeyboardInterrupt caught in kernel")


def _flush_open_files() -> None:
    """Flush every file still open for writing, as a normal interpreter exit would.

    The child leaves with :func:`os._exit`, which skips the finalisation that writes out
    a file a cell left open (e.g. one kept on a module attribute).
    """
    for obj in gc.get_objects():
        if isinstance(obj, io.IOBase):
            with contextlib.suppress(Exception):
                if not obj.closed and obj.writable():
                    obj.flush()


class _ForkedProcess:
    """The parts of :class:`subprocess.Popen` a kernel provisioner uses, for the child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = 0  # already collected
            else:
                if done:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["kernel", str(self.pid)], timeout or 0.0)
            time.sleep(0.01)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _same_python(cmd: list[str]) -> bool:
    """Whether ``cmd`` runs ipykernel in this interpreter, started without flags.

    A kernel forked from this process keeps its interpreter's flags (``-O``, ``-W``,
    ``-X dev``), which a launched kernel would not have: then it is launched instead.
    """
    flags = sys.flags
    plain = not (sys.warnoptions or flags.optimize or flags.dev_mode or flags.bytes_warning)
    return (
        plain
        and len(cmd) > 3
        and tuple(cmd[1:3]) == _LAUNCHER
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
    )


class _ForkedProvisioner(LocalProvisioner):
    """LocalProvisioner whose ipykernel is the kernel in waiting, not a new interpreter."""

    waiting: KernelInWaiting | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        if self.waiting is None or self.waiting.started or not _same_python(cmd):
            return await super().launch_kernel(cmd, **kwargs)  # another kernel: launch it
        # what jupyter_client's launch_kernel gives a kernel: this folder (papermill has
        # changed to the report's), the environment, and this process as its parent,
        # which the kernel watches (ipykernel read JPY_PARENT_PID when it was imported,
        # before this launch, so it is also given as an argument)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = {**(kwargs.get("env") or os.environ), "JPY_PARENT_PID": str(os.getpid())}
        # jupyter_client interrupts (SIGINT) every kernel before it shuts it down; a forked
        # kernel is at times still finishing a message then, and logged "KeyboardInterrupt
        # caught in kernel." (2 runs of make report in 6): the child drops that one line
        argv = [*cmd[3:], f"--IPKernelApp.parent_handle={os.getpid()}"]
        pid = self.waiting.start(argv, cwd=cwd, env=env)
        self.process = _ForkedProcess(pid)  # type: ignore[assignment]
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info
