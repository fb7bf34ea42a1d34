"""Run NEO's benchmarks and print their figures as JSON lines on stdout.

    python -m benchmarks.run                      # every benchmark
    python -m benchmarks.run --only store.overhead
    python -m benchmarks.run --only store --size 5000 --repeats 3
    python -m benchmarks.run --list

Progress and diagnostics go to stderr; stdout carries only JSON objects, one per line,
each with at least ``bench``, ``metric``, ``value`` and ``unit``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import pkgutil
import platform
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import benchmarks


@dataclass(frozen=True)
class Options:
    """What the runner hands to every benchmark function."""

    size: int | None = None  # the benchmark's N (None: its own default)
    repeats: int | None = None  # timed repeats per variant (None: its own default)

    def n(self, default: int) -> int:
        return self.size if self.size is not None else default

    def r(self, default: int) -> int:
        return self.repeats if self.repeats is not None else default


BenchFn = Callable[[Options], Iterable[dict[str, Any]]]


def discover() -> dict[str, BenchFn]:
    """Every ``BENCHMARKS`` entry of every ``benchmarks/bench_*.py`` module, by name."""
    found: dict[str, BenchFn] = {}
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda i: i.name):
        if not info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        for name, fn in getattr(module, "BENCHMARKS", {}).items():
            if name in found:
                raise SystemExit(f"benchmark {name!r} is defined twice")
            found[name] = fn
    return found


def select(available: dict[str, BenchFn], only: list[str] | None) -> dict[str, BenchFn]:
    """``--only store.overhead`` picks one; ``--only store`` picks every ``store.*``."""
    if not only:
        return available
    chosen: dict[str, BenchFn] = {}
    for want in only:
        matches = {n: f for n, f in available.items() if n == want or n.startswith(want + ".")}
        if not matches:
            known = ", ".join(sorted(available)) or "none"
            raise SystemExit(f"no benchmark named {want!r} (known: {known})")
        chosen.update(matches)
    return chosen


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(_clean(record), ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", metavar="NAME", help="benchmark name or prefix (repeatable)")
    parser.add_argument("--size", type=int, metavar="N", help="override the benchmark's N")
    parser.add_argument("--repeats", type=int, metavar="R", help="override the number of timed repeats")
    parser.add_argument("--list", action="store_true", help="list the benchmark names and exit")
    args = parser.parse_args(argv)
    if args.size is not None and args.size < 1:
        parser.error("--size must be >= 1")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be >= 1")

    available = discover()
    if args.list:
        for name in sorted(available):
            print(name, file=sys.stderr)
        return 0
    chosen = select(available, args.only)
    options = Options(size=args.size, repeats=args.repeats)
    context = {"python": platform.python_version(), "machine": platform.machine()}
    failed = 0
    for name, fn in chosen.items():
        print(f"benchmarks: running {name}", file=sys.stderr)
        started = time.perf_counter()
        try:
            for record in fn(options):
                emit({"bench": name, **record, **{k: v for k, v in context.items() if k not in record}})
        except Exception as exc:  # one failing benchmark does not hide the others
            failed += 1
            print(f"benchmarks: {name} failed: {exc!r}", file=sys.stderr)
            emit({"bench": name, "metric": "error", "value": None, "unit": None, "error": repr(exc)})
        print(f"benchmarks: {name} took {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
