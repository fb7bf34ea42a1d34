"""The module's Qt code (the only place it imports PySide6)."""
