"""The wire models and the pure logic both sides share (no server needed)."""

from __future__ import annotations

import typing
import uuid

import pytest
from pydantic import ValidationError

from neo import protocol
from neo.api.manifest import SyncPolicy as ManifestPolicy


def test_policies_match_the_module_manifest() -> None:
    assert set(typing.get_args(protocol.SyncPolicy)) == set(typing.get_args(ManifestPolicy))


def test_protocol_imports_only_pydantic_and_stdlib() -> None:
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(protocol.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    assert roots - set(sys.stdlib_module_names) - {"__future__"} == {"pydantic"}


def test_hlc_is_strictly_increasing_and_sorts_as_text() -> None:
    now = [1_800_000_000.0]
    clock = protocol.HybridLogicalClock("dev-1", wall_clock=lambda: now[0])
    stamps = [clock.now() for _ in range(5)]
    now[0] -= 10  # the wall clock goes backwards: stamps keep increasing
    stamps += [clock.now() for _ in range(3)]
    now[0] += 20
    stamps.append(clock.now())
    texts = [str(s) for s in stamps]
    assert texts == sorted(texts) and len(set(texts)) == len(texts)
    assert stamps[-1].counter == 0
    assert protocol.Version.parse(texts[3]) == stamps[3]


def test_hlc_observe_moves_past_a_remote_stamp() -> None:
    clock = protocol.HybridLogicalClock("dev-1", wall_clock=lambda: 1_000.0)
    remote = protocol.Version(5_000_000, 7, "dev-2")
    clock.observe(str(remote))
    mine = clock.now()
    assert str(mine) > str(remote)
    assert (mine.wall_ms, mine.counter) == (5_000_000, 8)


def test_hlc_counter_overflow_borrows_the_next_millisecond() -> None:
    clock = protocol.HybridLogicalClock("n", wall_clock=lambda: 1.0)
    clock.observe(protocol.Version(1000, 99_999, "x"))
    v = clock.now()
    assert (v.wall_ms, v.counter) == (1001, 0)


@pytest.mark.parametrize("bad", ["", "1:2:x", "123:00001:dev", "0000000001000:00001:", "0000000001000:00001:Dev",
                                 "0000000001000:1:dev"])
def test_version_parse_refuses_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        protocol.Version.parse(bad)


def test_enrolment_code_round_trip_and_damage() -> None:
    code = protocol.EnrolmentCode(url="https://hq.example:8443", ca_fingerprint="ab" * 32, secret="s" * 22,
                                  expires_at=1_900_000_000)
    printed = code.encode()
    assert printed.startswith("NEO1-")
    # Whitespace (a code typed or wrapped in an e-mail) is ignored.
    assert protocol.EnrolmentCode.decode(printed[:20] + "\n " + printed[20:]) == code
    for damaged in ("", "NEO2-abc", printed[:-5], printed + "!", "NEO1-" + "A" * 40):
        with pytest.raises(ValueError):
            protocol.EnrolmentCode.decode(damaged)
    plain = protocol.EnrolmentCode(url="http://127.0.0.1:8000", secret="x" * 22, expires_at=1)
    assert protocol.EnrolmentCode.decode(plain.encode()).ca_fingerprint is None


def test_mutation_is_strict() -> None:
    ok = {"mutation_id": str(uuid.uuid4()), "collection": "a.b", "record_id": str(uuid.uuid4()),
          "version": "1800000000000:00000:dev", "payload": {}, "officer": "100001"}
    protocol.Mutation.model_validate(ok)
    for key, value in [("tombstone", "true"), ("mutation_id", str(uuid.uuid4()).upper()), ("collection", "A.b"),
                       ("collection", "nodot"), ("version", "1:2:3"), ("officer", 100001), ("payload", [1]),
                       ("extra", 1), ("resolves", ["1"]), ("payload", None)]:
        with pytest.raises(ValidationError):
            protocol.Mutation.model_validate({**ok, key: value})
    protocol.Mutation.model_validate({**ok, "payload": None, "tombstone": True})


def test_push_batch_limits() -> None:
    with pytest.raises(ValidationError):
        protocol.PushRequest.model_validate({"mutations": []})
    m = {"mutation_id": str(uuid.uuid4()), "collection": "a.b", "record_id": str(uuid.uuid4()),
         "version": "1800000000000:00000:dev", "payload": {}, "officer": "100001"}
    with pytest.raises(ValidationError):
        protocol.PushRequest.model_validate({"mutations": [m] * (protocol.MAX_PUSH_BATCH + 1)})


def test_responses_ignore_unknown_fields() -> None:
    r = protocol.MutationResult.model_validate({"mutation_id": "x", "status": "applied", "new_field": 1})
    assert r.server_seq is None and not r.replayed
