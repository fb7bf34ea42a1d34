"""Decoded tiles for the map: read and decode off the UI thread, keep recent ones.

The map asks for the tiles a frame needs (:meth:`TileCache.request`, nearest to the
middle first); up to ``threads`` workers read them from the package and decode them into
``QImage`` (safe off the UI thread, unlike ``QPixmap``). Workers never touch a QObject:
they drop finished images into a list, and the UI thread collects them
(:meth:`TileCache.collect`, polled by the map while work is outstanding) and turns them
into pixmaps. A newer request replaces the older wish list, so a fast pan never leaves a
queue of tiles nobody looks at any more.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QImage, QPixmap

from neo.modules.holiday_watch.tiles import MBTiles, TilePackageError

log = logging.getLogger(__name__)

TileKey = tuple[int, int, int]


class _Missing:
    """The package has no such tile: draw the background (or a parent). Not a QPixmap:
    none may exist before the QApplication."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
DEFAULT_CAPACITY = 384  # 256x256 RGB32: ~96 MB at most


def decode(data: bytes | None) -> QImage | None:
    if not data:
        return None
    image = QImage()
    if not image.loadFromData(data):
        return None
    return image


class TileCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, threads: int = 2) -> None:
        self.capacity = capacity
        self.package: MBTiles | None = None
        self._pixmaps: OrderedDict[TileKey, QPixmap] = OrderedDict()
        self._lock = threading.Lock()
        self._wanted: list[TileKey] = []
        self._busy: set[TileKey] = set()  # being decoded by a worker
        self._done: list[tuple[int, TileKey, QImage | None]] = []
        self._running = 0
        self._generation = 0
        self._closed = False
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(max(1, threads))

    # -- package --------------------------------------------------------------------------
    def set_package(self, package: MBTiles | None) -> None:
        with self._lock:
            self.package = package
            self._generation += 1
            self._wanted.clear()
            self._done.clear()
        self._pixmaps.clear()

    # -- UI thread ------------------------------------------------------------------------
    def get(self, key: TileKey) -> QPixmap | None:
        """The tile's pixmap, :data:`MISSING` if the package lacks it, None if not loaded yet."""
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
        return pix

    def peek(self, key: TileKey) -> QPixmap | None:
        """Like :meth:`get` without refreshing its place in the LRU (fallback look-ups)."""
        return self._pixmaps.get(key)

    def put(self, key: TileKey, image: QImage | None) -> None:
        self._pixmaps[key] = QPixmap.fromImage(image) if image is not None and not image.isNull() else MISSING
        self._pixmaps.move_to_end(key)
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)

    def request(self, keys: Iterable[TileKey]) -> None:
        """Replace the wish list with ``keys`` (in priority order) and start workers."""
        with self._lock:
            if self.package is None or self._closed:
                return
            self._wanted = [k for k in keys if k not in self._pixmaps and k not in self._busy]
            self._wanted.reverse()  # pop() from the end: first asked, first served
            start = min(len(self._wanted), self.pool.maxThreadCount() - self._running)
            self._running += max(0, start)
        for _ in range(max(0, start)):
            self.pool.start(self._work)

    def collect(self) -> bool:
        """Move decoded tiles into the cache (UI thread); True if any arrived."""
        with self._lock:
            done, self._done = self._done, []
            generation = self._generation
        for gen, key, image in done:
            if gen == generation:
                self.put(key, image)
        return bool(done)

    def load_now(self, keys: Iterable[TileKey]) -> int:
        """Read and decode ``keys`` on this thread (benchmarks, screenshots); returns how many."""
        n = 0
        package = self.package
        if package is None:
            return 0
        for key in keys:
            if key in self._pixmaps:
                continue
            self.put(key, self._read(package, key))
            n += 1
        return n

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._wanted and not self._running and not self._done

    def __len__(self) -> int:
        return len(self._pixmaps)

    def close(self) -> None:
        """Stop the workers (waits for the tiles being decoded)."""
        with self._lock:
            self._closed = True
            self._wanted.clear()
        self.pool.waitForDone()
        self._pixmaps.clear()

    # -- workers --------------------------------------------------------------------------
    @staticmethod
    def _read(package: MBTiles, key: TileKey) -> QImage | None:
        try:
            return decode(package.tile(*key))
        except TilePackageError:
            return None
        except Exception:  # a damaged or replaced package shows as missing tiles, not a dead worker
            log.exception("tile %s could not be read", key)
            return None

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._wanted or self._closed or self.package is None:
                    self._running -= 1
                    return
                key = self._wanted.pop()
                self._busy.add(key)
                package, generation = self.package, self._generation
            image = self._read(package, key)
            with self._lock:
                self._busy.discard(key)
                self._done.append((generation, key, image))
