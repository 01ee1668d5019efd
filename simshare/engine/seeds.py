"""Seeding (DESIGN §3.4): replication i of seed s draws from SeedSequence(s, spawn_key=(i,)),
with a child stream per mechanism and entity, named rather than numbered, so that
adding a service or a parameter never shifts anyone else's random numbers."""

from __future__ import annotations

import zlib

import numpy as np

#: one child stream per mechanism; the numbers are part of the results' meaning: never reuse one
MECHANISMS = {
    "parameters": 0,
    "turnover": 1,
    "recruitment": 2,
    "agency": 3,
    "initial": 4,
    "review": 5,
    "committee": 6,
    "deletion": 7,
}


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of replication ``replication`` of a run seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def child(ss: np.random.SeedSequence, mechanism: str, *names: str) -> np.random.SeedSequence:
    """The child SeedSequence for a mechanism and the named entity (council, service, post group)."""
    key = tuple(ss.spawn_key) + (MECHANISMS[mechanism],) + tuple(_key(n) for n in names)
    return np.random.SeedSequence(ss.entropy, spawn_key=key, pool_size=ss.pool_size)


def stream(ss: np.random.SeedSequence, mechanism: str, *names: str) -> np.random.Generator:
    """A numpy Generator for one mechanism and entity of one replication."""
    return np.random.Generator(np.random.PCG64(child(ss, mechanism, *names)))


def parameter_uniforms(ss: np.random.SeedSequence, paths: list[str]) -> np.ndarray:
    """One independent uniform in (0, 1) per replication parameter, keyed by its dotted path.

    Keying by path (not position) gives common random numbers across scenarios that
    fix, add or remove other parameters.
    """
    out = np.empty(len(paths))
    for j, path in enumerate(paths):
        words = child(ss, "parameters", path).generate_state(2, np.uint32).astype(np.uint64)
        bits = ((words[0] << np.uint64(21)) ^ words[1]) & np.uint64((1 << 53) - 1)
        out[j] = (float(bits) + 0.5) / float(1 << 53)
    return out
