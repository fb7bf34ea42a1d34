"""Checks a collection's owner runs at HQ on records devices push, before they are applied.

A :class:`RecordValidator` is registered for one collection in
``Headquarters.validators`` (keyed by collection name). During a push, for each new
write that passed the generic checks (policy, officer, payload size) and is about to be
applied, HQ calls :meth:`RecordValidator.check` inside the push transaction: a
:class:`Refusal` turns the write into a ``rejected`` result carrying the refusal's
reason code and sentence, and nothing of the record is stored. Then
:meth:`RecordValidator.refused` or :meth:`RecordValidator.applied` runs in the same
transaction, so an index the owner keeps beside ``records`` is written with the record
or not at all. :meth:`RecordValidator.attachment_completed` runs in the transaction that
marks an uploaded file complete.

Statements use it to verify their seal (:mod:`neo.hq.statements`); any collection may.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from neo import protocol

if TYPE_CHECKING:
    from neo.hq.service import Device


@dataclass(frozen=True)
class Refusal:
    """Why HQ refuses a record: ``code`` is one of :data:`neo.protocol.ReasonCode`,
    ``reason`` the sentence the officer sees on the device."""

    code: str
    reason: str
    detail: dict[str, Any] | None = None
    """Anything worth keeping at HQ about the refusal (logged, never sent)."""


class RecordValidator:
    """Base class: every hook does nothing; override the ones you need."""

    def check(self, conn: Connection, device: Device, mutation: protocol.Mutation) -> Refusal | None:
        """None to let the write through, or why it is refused."""
        return None

    def refused(self, conn: Connection, device: Device, mutation: protocol.Mutation, refusal: Refusal) -> None:
        """After :meth:`check` refused the write (same transaction)."""

    def applied(self, conn: Connection, device: Device, mutation: protocol.Mutation, server_seq: int) -> None:
        """After the write was accepted; the record row is inserted later in the same transaction."""

    def attachment_completed(self, conn: Connection, sha256: str) -> None:
        """A file was just assembled and its SHA-256 verified (same transaction)."""
