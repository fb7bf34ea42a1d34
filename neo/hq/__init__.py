"""NEO's headquarters (HQ) server: the FastAPI app devices sync with, its storage and the
``neo-hq`` admin CLI.

Layers: :mod:`neo.hq.app` (HTTP) and :mod:`neo.hq.cli` (console) over
:mod:`neo.hq.service` (what HQ does) over :mod:`neo.hq.storage` (the only SQL). The wire
format is :mod:`neo.protocol`, shared with the device-side engine; docs/sync-protocol.md
describes it and docs/ops.md tells how to run HQ.
"""
