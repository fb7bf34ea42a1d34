"""Built-in module: Record lookup. Importing this package runs no module code (see module.py)."""
