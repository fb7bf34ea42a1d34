"""A module added to a frozen NEO by its deployment; ``neo bundle-probe`` reports what it
finds inside the bundle (tests/bundle/test_frozen.py)."""
