"""Driving the data-entry forms without a kernel: a fake event loop for their timers (the notes
autosave, the focus after a flag is chosen), which fires them when the test says so."""
from __future__ import annotations


class FakeLoop:
    """``call_later`` that waits for :meth:`run` (what an event loop does after the delay)."""

    class Handle:
        def __init__(self, delay, fn):
            self.delay, self.fn, self.cancelled = delay, fn, False

        def cancel(self):
            self.cancelled = True

    def __init__(self):
        self.timers: list[FakeLoop.Handle] = []

    def call_later(self, delay, fn):
        h = self.Handle(delay, fn)
        self.timers.append(h)
        return h

    @property
    def waiting(self) -> list:
        return [h for h in self.timers if not h.cancelled]

    def run(self) -> int:
        due, self.timers = self.waiting, []
        for h in due:
            h.fn()
        return len(due)
