"""A record behaves as the dataclass of the same fields: equality, repr, hash, replace, a method of its own."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import field

import pytest

from losscli.records import record


def _pair(frozen: bool):
    """The same class made by ``dataclass`` and by ``record``."""

    def body():
        class Point:
            """A point."""

            x: float
            name: str = "p"
            tags: list = field(default_factory=list)
            hidden: int = field(default=0, repr=False)
            note: str = field(default="", compare=False)

        return Point

    return dataclasses.dataclass(frozen=frozen)(body()), record(frozen=frozen)(body())


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_compares_and_shows_as_the_dataclass(frozen):
    plain, rec = _pair(frozen)
    cases = [((1.0,), (1.0,)), ((1.0, "a"), (1.0, "b")), ((1.0,), (2.0,)), ((math.nan,), (math.nan,)),
             ((1.0, "p", [1]), (1.0, "p", [1])), ((1.0, "p", [], 3), (1.0, "p", [], 4)),
             ((1.0, "p", [], 0, "a"), (1.0, "p", [], 0, "b"))]
    for a, b in cases:
        assert (plain(*a) == plain(*b)) == (rec(*a) == rec(*b)), (a, b)
        assert (plain(*a) != plain(*b)) == (rec(*a) != rec(*b)), (a, b)
        assert repr(plain(*a)) == repr(rec(*a))
    nan = math.nan
    assert (plain(nan) == plain(nan)) == (rec(nan) == rec(nan))  # one object: equal, as in a tuple
    assert rec(1.0).__eq__(plain(1.0)) is NotImplemented and rec(1.0) != plain(1.0)
    assert dataclasses.replace(rec(1.0, "a"), x=2.0) == rec(2.0, "a")
    assert dataclasses.fields(rec) and dataclasses.asdict(rec(1.0)) == dataclasses.asdict(plain(1.0))


def test_a_frozen_record_hashes_as_the_dataclass_and_a_mutable_one_is_unhashable():
    plain, rec = _pair(True)
    assert hash(rec(1.0, "a", (), 3, "n")) == hash(plain(1.0, "a", (), 3, "n"))
    assert hash(rec(1.0, "a", (), 3, "n")) == hash(rec(1.0, "a", (), 3, "other note"))  # not compared, not hashed
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec(1.0).x = 2.0
    _, mutable = _pair(False)
    with pytest.raises(TypeError, match="unhashable"):
        hash(mutable(1.0))


def test_a_records_own_methods_are_kept_and_a_recursive_one_shows():
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Named) and other.name.lower() == self.name.lower()

        __hash__ = object.__hash__

    assert repr(Named("a")) == "<a>" and Named("a") == Named("A") and isinstance(hash(Named("a")), int)

    @record
    class Node:
        child: object = None

    node = Node()
    node.child = node
    assert repr(node) == "test_a_records_own_methods_are_kept_and_a_recursive_one_shows.<locals>.Node(child=...)"


def test_the_records_of_the_package_are_dataclasses():
    from losscli.conventions import get_convention
    from losscli.spec import Param

    conv = get_convention("keras")
    assert dataclasses.is_dataclass(conv) and conv == get_convention("keras") and conv != get_convention("torch")
    assert hash(conv) == hash(dataclasses.replace(conv))
    assert repr(Param("delta", "float", 1.0, "δ")).startswith("Param(name='delta', ")
