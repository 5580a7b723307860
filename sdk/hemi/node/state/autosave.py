"""Periodic saving of a served devchain (``hemi devchain --state FILE --state-interval S``).

A daemon thread saves the devchain every ``interval`` seconds, so a process killed without warning (SIGKILL, a
crash, a power cut) loses at most one interval of work; SIGTERM and SIGINT still save on exit. The devchain is turned
into plain data under the server's lock (the only part that must not race with requests), then encoded and written
atomically outside it; a file that would not change is not rewritten.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from hemi.errors import HemiError
from hemi.node import state
from hemi.node.state.files import write_atomic

log = logging.getLogger("hemi.node.state")

DEFAULT_INTERVAL = 5.0  # seconds
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))  # the locks whose acquire takes a timeout


class Autosaver:
    """``Autosaver(dev, path, interval=5, lock=server.lock).start()``; :meth:`stop` then :meth:`save` on exit."""

    def __init__(self, dev: Any, path: str | Path, *, interval: float = DEFAULT_INTERVAL,
                 lock: AbstractContextManager[Any] | None = None) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval >= 0:
            raise ValueError(f"interval is a number of seconds >= 0 (0: no periodic saves), got {interval!r}")
        self.dev, self.path, self.interval = dev, Path(path), float(interval)
        self.lock = lock if lock is not None else threading.RLock()
        self.saves = 0  # files written (for tests and the banner)
        self._last: bytes | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()  # the timer and the exit path never write at once

    def save(self, wait: float | None = None) -> bool:
        """Save now; returns whether the file was written (False: the state has not changed since the last save).
        ``wait``: the most seconds to wait for the lock (a request in progress holds it); past them
        :class:`~hemi.errors.HemiError` is raised and the file keeps its last save."""
        if wait is not None and isinstance(self.lock, _LOCK_TYPES):
            if not self.lock.acquire(timeout=wait):
                raise HemiError(f"a request still held the devchain after {wait:g}s: {self.path} keeps the last save")
            try:
                doc = state.document(self.dev)
            finally:
                self.lock.release()
        else:
            with self.lock:
                doc = state.document(self.dev)
        data = state.encode(doc)
        with self._write_lock:
            if data == self._last:
                return False
            write_atomic(self.path, data)
            self._last = data
            self.saves += 1
        return True

    def start(self) -> Autosaver:
        if self.interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hemi-state-autosave", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save()
            except HemiError as err:  # a full disk must not kill the server; the exit save reports it again
                log.error("periodic state save to %s failed: %s", self.path, err)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
