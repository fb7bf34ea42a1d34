"""The size of the one-folder bundle: ``python scripts/bundle_size.py dist/neo [--json]``.

Prints the total, then the ten largest parts. A part is an entry of the bundle's
``_internal`` folder, except that the big containers (``PySide6``, ``PySide6/Qt`` and
its ``lib`` and ``plugins``) are opened, so a Qt library or plug-in family shows up by name.
Sizes are the bytes of the files (what a device-management tool copies), in MiB.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

OPENED = ("PySide6", "PySide6/Qt", "PySide6/Qt/lib", "PySide6/Qt/plugins")


def tree_size(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(tree_size(child) for child in path.iterdir())


def parts(bundle: Path) -> list[tuple[str, int]]:
    """(path relative to the bundle, bytes) for every part, largest first."""
    internal = bundle / "_internal"
    found: list[tuple[str, int]] = []
    for child in sorted(bundle.iterdir()):
        if child != internal:
            found.append((child.name, tree_size(child)))

    def walk(folder: Path) -> None:
        for child in sorted(folder.iterdir()):
            rel = child.relative_to(internal).as_posix()
            if child.is_dir() and not child.is_symlink() and rel in OPENED:
                walk(child)
            else:
                found.append((f"_internal/{rel}", tree_size(child)))

    if internal.is_dir():
        walk(internal)
    return sorted(found, key=lambda item: (-item[1], item[0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the bundle's folder (dist/neo)")
    parser.add_argument("--top", type=int, default=10, help="how many parts to list (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if not args.bundle.is_dir():
        print(f"{args.bundle}: no bundle here (make bundle builds it)", file=sys.stderr)
        return 1
    listed = parts(args.bundle)
    total = sum(size for _name, size in listed)
    files = sum(1 for p in args.bundle.rglob("*") if p.is_file())
    if args.json:
        print(json.dumps({"bundle": str(args.bundle), "bytes": total, "files": files,
                          "largest": [{"part": n, "bytes": s} for n, s in listed[:args.top]]}))
        return 0
    mib = 1024 * 1024
    print(f"{args.bundle}: {total / mib:.1f} MiB in {files} files; largest parts:")
    for name, size in listed[:args.top]:
        print(f"  {size / mib:7.1f} MiB  {size * 100 / total:4.1f} %  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
