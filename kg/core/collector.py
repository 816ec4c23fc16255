"""Pausing Python's cyclic garbage collector around batch work that makes many small,
short-lived objects and no cycles worth finding: each collection would rescan them all."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cyclic collector off (as it was, after); reference counting
    still frees what the body drops, and the next collection finds any cycle it left."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
