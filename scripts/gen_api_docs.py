"""Write the neo.api reference into docs/modules.md (between its markers), from the
docstrings. ``--check``: exit 1 if the committed text differs (tests/devkit runs it).

    .venv/bin/python scripts/gen_api_docs.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neo.devkit import apidoc  # noqa: E402

DOC = ROOT / "docs" / "modules.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/modules.md is current")
    args = parser.parse_args(argv)
    if args.check:
        text = DOC.read_text(encoding="utf-8")
        if apidoc.splice(text, apidoc.generate()) != text:
            print(f"{DOC.relative_to(ROOT)}: the neo.api reference is out of date: "
                  "run python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    changed = apidoc.update(DOC)
    print(f"{DOC.relative_to(ROOT)}: {'updated' if changed else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
