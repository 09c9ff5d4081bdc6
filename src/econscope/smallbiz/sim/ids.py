"""Opaque identifiers: 16 hex digits from a bijective mix of (seed, kind, global index).

The mix (the splitmix64 finaliser) is a bijection of 64-bit integers, so distinct
(kind, index) pairs always give distinct tokens: ids never collide within or across
tables, and they depend only on the seed and the firm's position in the bank.
"""

from __future__ import annotations

import numpy as np

FIRM, ACCOUNT, CARD, FAKE = 1, 2, 3, 4

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def _salt(seed: int) -> np.uint64:
    return _mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0] & np.uint64(
        0x00FFFFFFFFFFFFFF
    )


def tokens(seed: int, kind: int, index: np.ndarray) -> list[str]:
    """Identifier strings for ``index`` (global positions) of entity ``kind``.

    >>> a = tokens(1, FIRM, np.arange(3))
    >>> len(set(a + tokens(1, CARD, np.arange(3)))), len(a[0])
    (6, 16)
    """
    idx = np.asarray(index, dtype=np.uint64)
    key = (idx ^ _salt(seed)) ^ (np.uint64(kind) << np.uint64(56))
    return [f"{v:016x}" for v in _mix(key).tolist()]
