"""Seeding (docs/model.md): replication i of seed s draws from SeedSequence(s, spawn_key=(i,)),
with a child stream per mechanism and entity, named rather than numbered, so that
adding a service or a parameter never shifts anyone else's random numbers."""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np

#: one child stream per mechanism; the numbers are part of the results' meaning: never reuse one
MECHANISMS = {
    "parameters": 0,   # replication parameters (one uniform per dotted path)
    "workforce": 1,    # per council, service and kind of post: leaving, campaigns, outcomes, agency cover
    "review": 5,       # per service: review leads leaving, their replacement
    "committee": 6,    # committee decisions and rework
    # 2, 3, 4 and 7 were used by earlier versions: never reuse them
    "vacancy_hold": 11,        # per council, service and kind of post: holds before recruiting
    "initial_vacancies": 12,   # per council, service and kind of post: the vacancies open at month 0
    "council_approval": 13,    # per council and service: the council's own approval after the committee
    "dissolution": 14,         # the partnership's time to dissolution
}


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of replication ``replication`` of a run seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


@lru_cache(maxsize=4096)
def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def _words(value: int) -> list[int]:
    """A non-negative integer as numpy's SeedSequence reads it: 32-bit words, least significant first
    (zero is one word)."""
    words = [value & 0xFFFFFFFF]
    value >>= 32
    while value:
        words.append(value & 0xFFFFFFFF)
        value >>= 32
    return words


@lru_cache(maxsize=64)
def _prefix(entropy: int, spawn_key: tuple[int, ...], pool_size: int) -> tuple[int, ...]:
    """The first words of every child's entropy: the run's entropy, padded with zeros to the pool size
    (as SeedSequence does when a spawn key follows), then the replication's spawn key."""
    run = _words(entropy)
    run += [0] * (pool_size - len(run))
    for k in spawn_key:
        run += _words(k)
    return tuple(run)


@lru_cache(maxsize=4096)
def _tail(mechanism: str, names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(w for k in (MECHANISMS[mechanism], *map(_key, names)) for w in _words(k))


def _assembled(ss: np.random.SeedSequence, mechanism: str, names: tuple[str, ...]) -> np.ndarray | None:
    """The entropy words that SeedSequence(ss.entropy, spawn_key=ss.spawn_key + the child's key) mixes
    into its pool, or None when ``ss`` was not seeded by a plain integer with the default pool size
    (then the slow way is taken).

    A SeedSequence seeded by these words alone has the same pool, so the same generated state and
    streams; building it that way skips numpy's conversion of every key, which took half the time of
    making a stream (a replication of a large config makes a few hundred).
    """
    entropy = ss.entropy
    if not isinstance(entropy, int) or entropy < 0 or ss.pool_size != 4:  # 4: SeedSequence's default
        return None
    words = _prefix(entropy, tuple(ss.spawn_key), ss.pool_size) + _tail(mechanism, names)
    return np.array(words, dtype=np.uint32)


def child(ss: np.random.SeedSequence, mechanism: str, *names: str) -> np.random.SeedSequence:
    """The child SeedSequence for a mechanism and the named entity (council, service, post group).

    Its pool, hence its generated state, streams and spawned children, is that of
    SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, mechanism number, *name hashes),
    pool_size=ss.pool_size). Where ``ss`` was seeded by a non-negative integer with the default pool
    size, it is seeded by the assembled words themselves (its ``entropy`` is that list and its
    ``spawn_key`` empty); only those two attributes differ."""
    words = _assembled(ss, mechanism, names)
    if words is not None:
        return np.random.SeedSequence(words)
    key = (*ss.spawn_key, MECHANISMS[mechanism], *map(_key, names))
    return np.random.SeedSequence(ss.entropy, spawn_key=key, pool_size=ss.pool_size)


def stream(ss: np.random.SeedSequence, mechanism: str, *names: str) -> np.random.Generator:
    """A numpy Generator for one mechanism and entity of one replication."""
    return np.random.Generator(np.random.PCG64(child(ss, mechanism, *names)))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective avalanche mix of 64-bit words."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def parameter_uniforms(ss: np.random.SeedSequence, paths: list[str]) -> np.ndarray:
    """One independent uniform in (0, 1) per replication parameter, keyed by its dotted path.

    Keying by path (not position) gives common random numbers across scenarios that
    fix, add or remove other parameters. The replication's parameter stream gives a
    128-bit key; each path's uniform is that key mixed with a hash of the path.
    """
    if not paths:
        return np.empty(0)
    key = child(ss, "parameters").generate_state(2, np.uint64)
    names = np.array([_key(p) for p in paths], dtype=np.uint64)
    with np.errstate(over="ignore"):
        words = _mix(_mix(key[0] ^ (names * np.uint64(0x9E3779B97F4A7C15))) ^ key[1])
    return ((words >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
