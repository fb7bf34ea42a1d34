"""Statements at HQ: seal verification on receipt, listing, export, and publishing the
templates and the offence list devices use (``neo-hq statements ...``)."""
