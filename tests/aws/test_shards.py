"""--shard I/N: every account (or, for one account, every region) in exactly one shard."""

from __future__ import annotations

import pytest

from scanner.errors import UsageError
from scanner.sources.aws.export import parse_shard, take_shard


def test_shards_partition_the_sorted_items() -> None:
    items = ["333", "111", "555", "222", "444"]
    shards = [take_shard(items, (i, 3)) for i in (1, 2, 3)]
    assert shards == [["111", "444"], ["222", "555"], ["333"]]
    assert sorted(x for s in shards for x in s) == sorted(items)
    assert take_shard(items, None) == sorted(items)
    assert take_shard(["eu-west-1"], (2, 2)) == []


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"])
def test_bad_shards_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="expected I/N"):
        parse_shard(text)


def test_good_shard() -> None:
    assert parse_shard("2/4") == (2, 4)
