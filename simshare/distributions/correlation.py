"""Rank correlation between replication parameters: Spearman to Pearson, nearest valid correlation
matrix (Higham 2002), Gaussian copula factors, and Iman–Conover reordering for Latin hypercubes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import special

from .tables import DistError




def spearman_to_pearson(rho: np.ndarray) -> np.ndarray:
    """Normal-copula correlation giving Spearman rank correlation ``rho`` (Pearson's 1907 identity);
    exactly ±1 at ±1 (2·sin(π/6) rounds to 1 − 2⁻⁵³, which would leave comonotone variables apart)."""
    rho = np.asarray(rho, dtype=float)
    return np.where(np.abs(rho) == 1.0, rho, 2.0 * np.sin(np.pi * rho / 6.0))


def pearson_to_spearman(r: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of a normal copula with correlation ``r`` (the inverse of the above)."""
    return 6.0 / np.pi * np.arcsin(np.clip(np.asarray(r) / 2.0, -0.5, 0.5))


#: a matrix whose smallest eigenvalue is at least −PSD_TOLERANCE is positive semi-definite (rounding)
PSD_TOLERANCE = 1e-10
#: the most a rank correlation may be moved to make the matrix consistent; beyond it the config is refused
GROSS_CHANGE = 0.05
#: moves smaller than this are rounding, not repairs, and are not reported
REPORTED_CHANGE = 1e-9


class CorrelationError(DistError):
    """Rank correlations that no set of variables can have, even after a small repair.
    ``entries`` lists (i, j, entered, nearest consistent value) for each entry that would move by
    more than GROSS_CHANGE."""

    def __init__(self, message: str, entries: list[tuple[int, int, float, float]]):
        super().__init__(message)
        self.entries = entries


@dataclass(frozen=True)
class CorrelationFit:
    """What the copula (or Iman–Conover) uses for a rank-correlation matrix.

    ``entered``: the rank correlations asked for; ``used``: those the copula gives (equal unless
    repaired); ``normal``: the normal-copula correlation matrix, 2·sin(π·ρ/6); ``factor``: F with
    F·Fᵀ = normal (Cholesky when positive definite, else from the eigen-decomposition, which works
    for singular matrices such as ρ = 1); ``changes``: (i, j, entered, used) for each entry i < j
    the repair moved.
    """

    entered: np.ndarray
    used: np.ndarray
    normal: np.ndarray
    factor: np.ndarray
    changes: tuple[tuple[int, int, float, float], ...] = ()

    @property
    def repaired(self) -> bool:
        return bool(self.changes)


def _eigen_factor(c: np.ndarray) -> np.ndarray:
    """F with F·Fᵀ = c for a positive semi-definite c (negative rounding eigenvalues set to 0); rows
    rescaled to unit length so that every correlated normal keeps variance 1 exactly."""
    w, v = np.linalg.eigh(c)
    w = np.where(w > PSD_TOLERANCE * max(1.0, float(w.max())), w, 0.0)
    f = v * np.sqrt(w)
    return f / np.linalg.norm(f, axis=1)[:, None]


def _singular_factor(c: np.ndarray) -> np.ndarray:
    """F with F·Fᵀ = c for a positive semi-definite c that is not definite. Variables correlated ±1
    exactly share one row of F (negated for −1), so they come out exactly comonotone (antitone); the
    rest is factored by eigen-decomposition."""
    k = len(c)
    lead = list(range(k))  # each variable's representative; sign relative to it
    sign = np.ones(k)
    for i in range(k):
        if lead[i] != i:
            continue
        for j in range(i + 1, k):
            if lead[j] == j and abs(c[i, j]) == 1.0:
                lead[j], sign[j] = i, c[i, j]
    reps = sorted(set(lead))
    sub = c[np.ix_(reps, reps)]
    try:
        f_sub = np.linalg.cholesky(sub)
    except np.linalg.LinAlgError:
        f_sub = _eigen_factor(sub)
    f = np.zeros((k, k))  # square: the columns beyond the representatives' are zero
    for i in range(k):
        f[i, :len(reps)] = sign[i] * f_sub[reps.index(lead[i])]
    return f


def nearest_correlation(a: np.ndarray, tol: float = 1e-13, max_iterations: int = 10_000) -> np.ndarray:
    """The nearest correlation matrix (unit diagonal, positive semi-definite) to a symmetric matrix in
    the Frobenius norm: Higham (2002)'s alternating projections with Dykstra's correction."""
    a = np.asarray(a, dtype=float)
    y = a.copy()
    ds = np.zeros_like(a)
    for _ in range(max_iterations):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.clip(w, 0.0, None)) @ v.T
        x = (x + x.T) / 2.0
        ds = x - r
        new = x.copy()
        np.fill_diagonal(new, 1.0)
        done = np.linalg.norm(new - y) <= tol * max(1.0, np.linalg.norm(new))
        y = new
        if done:
            break
    f = _eigen_factor(y)
    out = f @ f.T
    out = (out + out.T) / 2.0
    np.fill_diagonal(out, 1.0)
    return out


def fit_correlations(rank_corr: np.ndarray, gross: float = GROSS_CHANGE) -> CorrelationFit:
    """The copula for a rank-correlation matrix, repairing it if it is slightly inconsistent.

    Positive semi-definite (after the Spearman → normal-copula conversion): used as it is,
    including ρ = ±1 (comonotone). Slightly indefinite: replaced by the nearest correlation matrix
    (Higham 2002), and ``changes`` says how far each entry moved in rank correlation. Grossly
    inconsistent (an entry would move by more than ``gross``): CorrelationError naming the entries.
    """
    r = np.asarray(rank_corr, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        raise DistError("a correlation matrix must be square")
    if not np.all(np.isfinite(r)):
        raise DistError("rank correlations must be finite numbers")
    if not np.allclose(r, r.T):
        raise DistError("a correlation matrix must be symmetric")
    if np.any(np.abs(r) > 1):
        raise DistError("rank correlations must lie in [-1, 1]")
    r = (r + r.T) / 2.0
    np.fill_diagonal(r, 1.0)
    c = spearman_to_pearson(r)
    np.fill_diagonal(c, 1.0)
    k = len(c)
    try:
        return CorrelationFit(r, r, c, np.linalg.cholesky(c))
    except np.linalg.LinAlgError:
        pass
    smallest = float(np.linalg.eigvalsh(c).min()) if k else 0.0
    if smallest >= -PSD_TOLERANCE:
        return CorrelationFit(r, r, c, _singular_factor(c))
    near = nearest_correlation(c)
    used = pearson_to_spearman(near)
    np.fill_diagonal(used, 1.0)
    moved = [(i, j, float(r[i, j]), float(used[i, j])) for i in range(k) for j in range(i + 1, k)
             if abs(used[i, j] - r[i, j]) > REPORTED_CHANGE]
    far = [m for m in moved if abs(m[3] - m[2]) > gross]
    if far:
        raise CorrelationError(
            f"these rank correlations are inconsistent: no set of variables can have them all at once "
            f"(the normal-copula matrix is not positive definite, smallest eigenvalue {smallest:.3g}), and "
            f"the nearest consistent set moves {len(far)} entr{'y' if len(far) == 1 else 'ies'} by more than {gross:g}",
            far,
        )
    return CorrelationFit(r, used, near, _eigen_factor(near), tuple(moved))


def copula_factor(rank_corr: np.ndarray) -> np.ndarray:
    """A factor F (F·Fᵀ = the normal-copula matrix) for a rank-correlation matrix, repaired if slightly
    inconsistent (see :func:`fit_correlations`); DistError when no joint distribution comes close."""
    return fit_correlations(rank_corr).factor


def _mix(z: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """z @ factor.T computed column by column in a fixed order with elementwise operations only, so
    that each row's result is the same bits whatever the number of rows (a BLAS matrix product takes
    different code paths, and summation orders, for one row and for many)."""
    z = np.asarray(z, dtype=float)
    f = np.asarray(factor, dtype=float)
    out = np.empty((z.shape[0], f.shape[0]))
    for i in range(f.shape[0]):
        acc = z[:, 0] * f[i, 0]
        for j in range(1, f.shape[1]):
            acc = acc + z[:, j] * f[i, j]
        out[:, i] = acc
    return out


def correlate_uniforms(u: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Apply a Gaussian copula: columns of ``u`` (n × k independent uniforms) become
    uniforms with the copula's rank correlation; each column keeps its uniform marginal.
    Row by row: a row's values do not depend on the other rows, bit for bit."""
    z = special.ndtri(np.clip(u, 1e-16, 1 - 1e-16))
    return special.ndtr(_mix(z, factor))


def iman_conover(x: np.ndarray, factor: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Iman & Conover (1982): reorder each column of ``x`` (n × k) so that the columns take the rank
    correlation of the copula with factor ``factor``, keeping each column's values (so a Latin
    hypercube keeps one point per stratum in every column).

    The scores are van der Waerden's, Φ⁻¹(i/(n + 1)), independently permuted per column by
    ``rngs[j]``; their sample correlation is removed (Cholesky) before the target's is imposed,
    so the achieved rank correlation is close to the target even for small n.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if n < 2 or k == 0:
        return x.copy()
    s = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    scores = np.column_stack([rng.permutation(s) for rng in rngs])
    if n > k + 1:
        try:
            e = np.corrcoef(scores, rowvar=False)
            scores = np.linalg.solve(np.linalg.cholesky(np.atleast_2d(e)), scores.T).T
        except np.linalg.LinAlgError:
            pass
    target = scores @ np.asarray(factor, dtype=float).T
    out = np.empty_like(x)
    for j in range(k):
        ranks = np.empty(n, dtype=int)
        ranks[np.argsort(target[:, j], kind="stable")] = np.arange(n)
        out[:, j] = np.sort(x[:, j])[ranks]
    return out
