"""Layer 0 (common): one job done in a forked side process while this one goes on.

For the command line only (one short-lived process on a machine with more than one core):
``run`` writes the ODS and the CSVs in a side process while it writes the xlsx. The side
process runs the same function on the same objects (a fork copies them), so the result is the
one this process would make; it comes back pickled through a pipe (a fork of this process
is as trusted as this process). When there is no ``fork``, or the side process fails in any way, the job
is done here instead: the result never depends on whether the side process worked.
Not for a server with threads (the app): a fork copies only the calling thread.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Seconds the side process may take before it is ended and its job done here instead.
TIMEOUT = 120.0


class SideJob(Generic[T]):
    """A job begun in a side process: call it for the result (waiting for the side process, or
    running the job here if it could not deliver); :meth:`cancel` ends the side process when
    the result is no longer wanted (the caller failed meanwhile), so none is left behind."""

    def __init__(self, job: Callable[[], T], pid: int | None = None, reader: int | None = None):
        self.job, self.pid, self.reader = job, pid, reader

    def __call__(self) -> T:
        if self.pid is None or self.reader is None:
            return self.job()
        chunks: list[bytes] = []
        deadline = time.monotonic() + TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(self.reader, selectors.EVENT_READ)
            while True:
                if not selector.select(max(0.0, deadline - time.monotonic())):  # stuck: ended, done here
                    os.kill(self.pid, signal.SIGKILL)
                    chunks = []
                    break
                chunk = os.read(self.reader, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        status = self._reap()
        received = b"".join(chunks)
        if status != 0 or len(received) < 8 or int.from_bytes(received[:8], "big") != len(received) - 8:
            return self.job()
        return pickle.loads(received[8:])

    def cancel(self) -> None:
        """End the side process and forget its result."""
        if self.pid is not None and self.reader is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _reap(self) -> int:
        assert self.pid is not None and self.reader is not None
        os.close(self.reader)
        _, status = os.waitpid(self.pid, 0)
        self.pid = self.reader = None
        return status


def started(job: Callable[[], T]) -> SideJob[T]:
    """Start ``job`` in a side process (see :class:`SideJob`; without ``fork``, or when the
    side process cannot start, the job runs here when its result is asked for)."""
    if not hasattr(os, "fork"):
        return SideJob(job)
    try:
        reader, writer = os.pipe()
        pid = os.fork()
    except OSError:
        return SideJob(job)
    if pid == 0:  # the side process: no cleanup of the parent's (its files, its exit handlers)
        status = 1
        try:
            os.close(reader)
            data = pickle.dumps(job(), protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(len(data).to_bytes(8, "big") + data)
            while view:
                view = view[os.write(writer, view):]
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    return SideJob(job, pid, reader)
