"""PyInstaller runtime hook of the NEO bundle (runs before ``neo``'s own code).

Third-party modules are not in the bundle: the deployment installs them, with their
distribution metadata (``*.dist-info`` holding the ``neo.modules`` entry point), into
``modules/`` next to the executable or into folders listed in ``NEO_MODULE_PATH``::

    pip install --no-deps --target /opt/neo/modules neo_bicycles-1.0-py3-none-any.whl

Those folders go at the end of ``sys.path``, so a module can never shadow what the bundle
holds (NEO itself, PySide6, the libraries): a module uses the bundle's ``neo.api`` and Qt,
and any pure-Python dependency of its own must be installed beside it. The module host
then finds them through their entry points exactly as in a normal installation.
"""

import os
import sys
from pathlib import Path


def _module_paths() -> list[str]:
    paths = [Path(sys.executable).resolve().parent / "modules"]
    paths += [Path(p) for p in os.environ.get("NEO_MODULE_PATH", "").split(os.pathsep) if p.strip()]
    return [str(p) for p in paths if p.is_dir()]


for _path in _module_paths():
    if _path not in sys.path:
        sys.path.append(_path)
