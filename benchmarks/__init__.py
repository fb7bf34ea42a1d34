"""NEO benchmarks: ``python -m benchmarks.run`` prints one JSON object per line.

Each ``bench_*.py`` module in this package exposes ``BENCHMARKS``, a mapping from a
benchmark name (``"store.overhead"``) to a function ``fn(options) -> iterable of dict``.
Every figure is compared with a baseline measured in the same run (these machines are
noisy): records carry ``value``, ``baseline`` and ``ratio`` (value / baseline).
"""
