"""NEO: a secure, offline-first field toolkit for police and gendarmerie officers.

The core package holds no Qt and no HTTP: models, the encrypted store, the vault,
the audit trail, the module host and the public module API (``neo.api``).
"""

from __future__ import annotations

__version__ = "0.1.0"
