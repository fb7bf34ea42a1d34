"""The command line writes the same files whatever the number of workers."""

from __future__ import annotations

import json

from neo.modules.lookup.demo import FILES
from neo.modules.lookup.demo.__main__ import bench, main, write_files


def test_files_do_not_depend_on_workers(tmp_path) -> None:
    one = write_files(9, 2_500, tmp_path / "one", workers=1, chunk=1_000)
    two = write_files(9, 2_500, tmp_path / "two", workers=2, chunk=700)
    assert one == two and one["persons"] == 2_500
    for f in FILES:
        a = (tmp_path / "one" / f"{f}.jsonl").read_bytes()
        assert a == (tmp_path / "two" / f"{f}.jsonl").read_bytes()
        lines = a.decode().splitlines()
        assert len(lines) == one[f]
        assert all(json.loads(line)["file"] == f for line in lines)
    assert not (tmp_path / "one" / ".parts").exists()


def test_queries_and_bench_commands(capsys) -> None:
    assert main(["queries", "--population", "3000", "--n", "300", "--seed", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 300 and {"query", "record_id", "file", "mess"} <= set(json.loads(lines[0]))
    rows = bench(3_000, 1)
    assert rows[0]["persons"] == 3_000 and rows[0]["records_per_s"] > 0
