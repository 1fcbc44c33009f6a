"""Records: dataclasses whose ``__eq__``, ``__repr__`` and ``__hash__`` are three functions they all share.

``dataclasses.dataclass`` writes those methods for every class as source text and compiles it, one ``exec``
per method (Python 3.11; 3.13 compiles a class's methods at once): about 0.25 ms a class of twenty fields,
over the 22 classes that ``losscli eval -q`` loads some 5 ms of a 130 ms run. :func:`record` lets
``dataclass`` write ``__init__`` (and a frozen class's ``__setattr__`` and ``__delattr__``) and gives the
class the shared methods, which read the names of the fields each class keeps. Their meaning is
``dataclass``'s own (``eq=True, repr=True``; a test holds them to it): instances of one class are equal when
the tuples of their compared fields are (another class: ``NotImplemented``); the repr shows the fields of
``repr=True`` as ``Name(a=1, b='x')`` (``...`` where an instance holds itself); a frozen record hashes the
tuple of its compared fields (or of those with ``hash=True``), a mutable one is unhashable; a method the
class defines itself is kept.
"""

from __future__ import annotations

import dataclasses
import reprlib
from typing import Any, TypeVar

T = TypeVar("T")


def record(cls: type[T] | None = None, /, *, frozen: bool = False) -> Any:
    """``@record`` or ``@record(frozen=True)``: a dataclass, as ``@dataclass`` makes it (see the module)."""

    def wrap(c: type[T]) -> type[T]:
        own = dict(c.__dict__)
        made = dataclasses.dataclass(c, eq=False, repr=False, frozen=frozen)
        fields = dataclasses.fields(made)
        made.__record_compared__ = tuple(f.name for f in fields if f.compare)  # type: ignore[attr-defined]
        made.__record_shown__ = tuple(f.name for f in fields if f.repr)  # type: ignore[attr-defined]
        made.__record_hashed__ = tuple(  # type: ignore[attr-defined]
            f.name for f in fields if (f.compare if f.hash is None else f.hash))
        if "__eq__" not in own:
            made.__eq__ = _eq  # type: ignore[assignment,method-assign]
        if "__repr__" not in own:
            made.__repr__ = _repr  # type: ignore[assignment,method-assign]
        # as dataclass decides: a __hash__ of the class's own is kept (not the None Python sets beside an __eq__)
        explicit = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        if not explicit:
            made.__hash__ = _hash if frozen else None  # type: ignore[assignment,method-assign]
        return made

    return wrap if cls is None else wrap(cls)


def _values(obj: Any, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in names)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        names = self.__record_compared__
        return _values(self, names) == _values(other, names)
    return NotImplemented


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{self.__class__.__qualname__}({shown})"


def _hash(self: Any) -> int:
    return hash(_values(self, self.__record_hashed__))
