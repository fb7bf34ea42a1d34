"""Vélos volés (stolen bicycles): a third-party NEO module, written and tested as any
outside developer would (docs/modules.md). Importing the package runs no module code."""
