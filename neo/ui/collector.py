"""Python's cyclic garbage collector, run on the UI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed.
If that is a worker thread (the unlock runs Argon2 on one) and the garbage holds Qt
widgets, Qt deletes them from the wrong thread and the process can crash. So, as
Anki and the classic PyQt recipe do, automatic collection is switched off while the
app runs and this timer collects on the UI thread instead.
"""

from __future__ import annotations

import gc

from neo.ui.qt import QObject, QTimer

INTERVAL_MS = 2000


class GarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        """Collect the generations whose counts crossed their threshold, as gc would."""
        c0, c1, c2 = gc.get_count()
        if c0 > self.threshold[0]:
            gc.collect(0)
            if c1 > self.threshold[1]:
                gc.collect(1)
                if c2 > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        self.timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
