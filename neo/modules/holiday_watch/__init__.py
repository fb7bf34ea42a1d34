"""Built-in module: Holiday watch. Importing this package runs no module code (see module.py)."""
