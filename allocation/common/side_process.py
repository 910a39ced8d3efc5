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
from typing import TypeVar

T = TypeVar("T")

#: Seconds the side process may take before it is ended and its job done here instead.
TIMEOUT = 120.0


def started(job: Callable[[], T]) -> Callable[[], T]:
    """Start ``job`` in a side process; the returned function waits for its result (or,
    if the side process could not deliver it, runs ``job`` here)."""
    if not hasattr(os, "fork"):
        return job
    try:
        reader, writer = os.pipe()
        pid = os.fork()
    except OSError:
        return job
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

    def result() -> T:
        chunks: list[bytes] = []
        deadline = time.monotonic() + TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(reader, selectors.EVENT_READ)
            while True:
                if not selector.select(max(0.0, deadline - time.monotonic())):  # stuck: ended, done here
                    os.kill(pid, signal.SIGKILL)
                    chunks = []
                    break
                chunk = os.read(reader, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        os.close(reader)
        _, status = os.waitpid(pid, 0)
        received = b"".join(chunks)
        if status != 0 or len(received) < 8 or int.from_bytes(received[:8], "big") != len(received) - 8:
            return job()
        return pickle.loads(received[8:])

    return result
