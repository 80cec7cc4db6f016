"""A bounded per-process cache for rows that never change once written (questions, drawn papers,
an attempt's owner): the answering hot path reads them without a database round trip."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ImmutableCache(Generic[K, V]):
    """A bounded per-process cache for rows that never change once written."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = Lock()

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)

    def peek(self, key: K) -> V | None:
        with self._lock:
            return self._items.get(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, key: K, load: Callable[[], V]) -> V:
        value = self.peek(key)
        if value is None:
            value = load()
            if value is not None:
                self.put(key, value)
        return value
