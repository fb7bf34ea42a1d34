"""The module developer kit: what NEO ships for people who write modules.

* :mod:`neo.devkit.scaffold` — ``neo new-module NAME``: a module package that installs,
  shows on the home screen and passes its own tests as generated;
* :mod:`neo.devkit.pytest_plugin` — the pytest plugin (entry point ``pytest11``, loaded
  wherever NEO is installed): fixtures for a temporary unlocked device, a running HQ on
  loopback, the module host and a main window that fails the test if widgets survive the
  lock; and the contract tests every module gets (``neo_module = "<id>"``);
* :mod:`neo.devkit.checks` — the static checks behind the contract tests (manifest,
  translations, imports), plain functions usable without pytest;
* :mod:`neo.devkit.apidoc` — the ``neo.api`` reference of docs/modules.md, generated
  from the docstrings.

Nothing here is imported by the app: the kit is for tests and for the ``neo`` command.
"""
