"""Built-in module: Statements. Importing this package runs no module code (see module.py)."""
