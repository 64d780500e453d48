"""The profiled (RE)ML deviance and its gradient, absorbed factors, and the optimiser.

Other layers import :class:`Deviance`, :class:`CholeskyFactor` and :func:`minimise`
from :mod:`interviewlab.models.engine`, which describes how they fit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.linalg.lapack as lapack
import scipy.optimize as sopt
import scipy.sparse as sp

from interviewlab.errors import InterviewLabError
from interviewlab.models._design import (
    LOG_2PI,
    MAX_BLOCK,
    Design,
)

# --------------------------------------------------------------------------- deviance

#: Largest ``C = Z_a'W`` (levels of the absorbed factor x columns of W) built dense from
#: counts; above it, C is built as a sparse product (160 MB of float64 at the bound).
_MAX_DENSE_C = 20_000_000
#: Most stored entries of the precomputed pair products of one absorbed factor (about
#: 12 bytes each); above it the Schur complement is formed by a sparse product per
#: evaluation.
_MAX_PAIRS = 15_000_000
#: how far inside its bound of 0 a theta is moved to test the criterion's slope there
BOUNDARY_PROBE = 1e-3
#: Largest relative standard deviation (random effect SD over residual SD) a search may
#: reach. Beyond it the residual is practically 0 (the fixed and random effects fit the
#: scores exactly, as in a tiny study where each rater gives one score throughout) and
#: 1 + theta^2 n no longer holds the 1, so the system stops being positive definite in
#: double precision; a fit that ends here has the residual on its bound instead.
THETA_MAX = 1e4


@dataclass(frozen=True)
class CholeskyFactor:
    """The Cholesky factorisation of the penalised system at one ``theta``.

    A matrix factorisation (:meth:`Deviance.cholesky`), not a grouping factor: the
    criterion, gradient, residual variance and solution at ``theta`` are read from it.
    """

    theta: np.ndarray
    chol: np.ndarray  # lower Cholesky factor of the Schur complement (rest levels, X, y)
    d: np.ndarray  # diagonal of the absorbed block: theta_a^2 n_a + 1 (one factor absorbed)
    logdet_z: float
    logdet_x: float
    rss: float  # penalised residual sum of squares r^2
    blocks: np.ndarray | None = None  # Cholesky factors of the absorbed blocks (block path)
    half: np.ndarray | None = None  # L_g^-1 T_g C_g of each absorbed block (block path)


def _nesting_group(design: Design) -> tuple[int, list[int]]:
    """The factor whose nested factors (itself included) have the most levels.

    A factor is nested in another when each of its levels occurs with one level of the
    other only (``candidate:rater`` in ``candidate``). All factors nested in one factor
    form a block-diagonal part of ``Z'Z``, one block per level of that factor, which is
    absorbed exactly.
    """
    k = len(design.codes)
    best, best_set, best_levels = 0, [0], -1
    for g in range(k):
        members = []
        for j in range(k):
            # j is nested in g when the level of g seen last with each level of j is the
            # one seen on every row (one pass; np.unique of the pairs sorted n values)
            owner = np.empty(len(design.levels[j]), dtype=np.int64)
            owner[design.codes[j]] = design.codes[g]
            if np.array_equal(owner[design.codes[j]], design.codes[g]):
                members.append(j)
        levels = sum(len(design.levels[j]) for j in members)
        if levels > best_levels:
            best, best_set, best_levels = g, members, levels
    n_groups = len(design.levels[best])
    block_size = 0
    for j in best_set:
        owner = np.zeros(len(design.levels[j]), dtype=np.int64)
        owner[design.codes[j]] = design.codes[best]
        block_size += int(np.bincount(owner, minlength=n_groups).max())
    if block_size > MAX_BLOCK:
        return int(np.argmax([len(lv) for lv in design.levels])), [best]
    return best, best_set


def _pair_entries(c: sp.csr_matrix, classes: np.ndarray, n_classes: int, m: int) -> int:
    """Upper bound on the stored entries of :func:`_pair_products`."""
    per_row = np.diff(c.indptr).astype(np.int64)
    raw = np.bincount(classes, weights=per_row * (per_row + 1) // 2, minlength=n_classes)
    return int(np.minimum(raw, m * (m + 1) // 2).sum())


def _pair_products(
    c: sp.csr_matrix, classes: np.ndarray, n_classes: int, m: int
) -> tuple[np.ndarray, sp.csr_matrix]:
    """Lower triangles of ``C_k'C_k`` for the rows ``C_k`` of each count class ``k``.

    The Schur complement of an absorbed factor subtracts ``C' diag(w) C`` with weights
    ``w`` that depend on a level's count only, so it is ``sum_k w_k C_k'C_k``: one sparse
    matrix-vector product with the returned ``(entries x classes)`` matrix, whose rows
    are the flat positions (``row * m + col``, ``row >= col``) in the returned index.
    """
    order = np.argsort(classes, kind="stable")
    ordered = c[order]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(classes, minlength=n_classes))])
    flats, cols, vals = [], [], []
    for k in range(n_classes):
        part = ordered[bounds[k] : bounds[k + 1]]
        prod = (part.T @ part).tocoo()
        lower = prod.row >= prod.col
        flats.append(prod.row[lower].astype(np.int64) * m + prod.col[lower])
        cols.append(np.full(int(lower.sum()), k, dtype=np.int64))
        vals.append(prod.data[lower])
    index, rows = np.unique(np.concatenate(flats), return_inverse=True)
    pairs = sp.csr_matrix(
        (np.concatenate(vals), (rows, np.concatenate(cols))), shape=(len(index), n_classes)
    )
    return index, pairs


class _Blocks:
    """Absorption of all factors nested in a grouping factor: one dense block per level.

    For level ``g`` of the grouping factor, the block holds the levels of the nested
    factors that occur with it (padded to a common size with inert positions); ``K``
    holds their co-occurrence counts and ``C = Z_A'W`` their coupling to the rest.
    """

    def __init__(self, design: Design, group: int, nested: list[int]) -> None:
        n_groups = len(design.levels[group])
        self.nested = [group, *[j for j in nested if j != group]]
        # position of each level of each nested factor inside its group's block
        self.position: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        fill = np.zeros(n_groups, dtype=np.int64)
        for j in self.nested:
            q_j = len(design.levels[j])
            owner = np.zeros(q_j, dtype=np.int64)
            owner[design.codes[j]] = design.codes[group]
            slot = np.empty(q_j, dtype=np.int64)
            for level in range(q_j):
                slot[level] = fill[owner[level]]
                fill[owner[level]] += 1
            self.position[j] = (owner, slot)
        self.n_groups = n_groups
        self.size = int(fill.max())
        self.factor_at = np.full((n_groups, self.size), -1, dtype=np.int64)
        for j in self.nested:
            owner, slot = self.position[j]
            self.factor_at[owner, slot] = j
        n = len(design.y)
        flat = [
            self.position[j][0][design.codes[j]] * self.size + self.position[j][1][design.codes[j]]
            for j in self.nested
        ]
        counts = np.zeros((n_groups * self.size, self.size))
        local = [f % self.size for f in flat]
        for row in flat:
            for col in local:
                np.add.at(counts, (row, col), 1.0)
        self.counts = counts.reshape(n_groups, self.size, self.size)
        rows = np.concatenate(flat)
        cols = np.tile(np.arange(n), len(flat))
        self.z_a = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(n_groups * self.size, n)
        )
        self.coupling = np.zeros((n_groups, self.size, 0))

    def set_coupling(self, w: sp.csr_matrix) -> None:
        """Store ``C = Z_A'W`` block by block."""
        c = (self.z_a @ w).toarray()
        self.coupling = c.reshape(self.n_groups, self.size, w.shape[1])

    def scale(self, theta: np.ndarray) -> np.ndarray:
        """Relative SD at every block position (0 at padding)."""
        ext = np.append(theta, 0.0)
        return ext[self.factor_at]

    def absorb(self, theta: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        """Block Cholesky factors, their log-determinant, ``C' T M^-1 T C`` and ``L^-1 T C``."""
        t = self.scale(theta)
        m = t[:, :, None] * t[:, None, :] * self.counts
        m[:, np.arange(self.size), np.arange(self.size)] += 1.0
        chol = np.linalg.cholesky(m)
        logdet = 2.0 * float(np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2))))
        half = np.linalg.solve(chol, t[:, :, None] * self.coupling)
        flat = half.reshape(-1, half.shape[2])
        return chol, logdet, flat.T @ flat, half


class Deviance:
    """Profiled (RE)ML criterion of a random-intercepts model (Bates et al. 2015, sec. 3).

    The factor with the most levels (``a``) is absorbed: with ``W = [Z_rest, X, y]`` the
    system ``[Lambda'Z'Z Lambda + I, ...; ..., X'X, X'y; ..., y'y]`` reduces to
    ``S = s s' * (W'W - theta_a^2 C' diag(1/d) C) + I_rest`` with ``C = Z_a'W`` and
    ``d = theta_a^2 n_a + 1``. Its Cholesky factor gives ``log|L|^2``, ``log|R_X|^2`` and
    ``r^2``. When other factors are nested in a grouping factor, all of them are absorbed
    together, block by block (:class:`_Blocks`), with the same algebra.
    """

    def __init__(self, design: Design, *, reml: bool) -> None:
        self.reml = reml
        self.design = design
        n = len(design.y)
        self.n = n
        self.p = design.X.shape[1]
        sizes = [len(lv) for lv in design.levels]
        self.sizes = sizes
        self.absorbed = int(np.argmax(sizes))
        group, nested = _nesting_group(design)
        self.block: _Blocks | None = None
        if len(nested) > 1:
            self.block = _Blocks(design, group, nested)
            self.absorbed = group
            self.rest = [j for j in range(len(sizes)) if j not in nested]
        else:
            self.rest = [j for j in range(len(sizes)) if j != self.absorbed]
        dense = np.column_stack([design.X, design.y])
        self.q_rest = int(sum(sizes[j] for j in self.rest))
        self.m = self.q_rest + dense.shape[1]
        self.wtw = self._wtw(dense)
        self.rest_slot = np.concatenate(
            [np.full(sizes[j], i, dtype=np.int64) for i, j in enumerate(self.rest)]
            or [np.zeros(0, dtype=np.int64)]
        )
        if self.block is not None:
            self.block.set_coupling(self._sparse_w(dense))
            return
        codes_a, q_a = design.codes[self.absorbed], sizes[self.absorbed]
        self.n_a = np.bincount(codes_a, minlength=q_a).astype(float)
        c_dense: np.ndarray | None = None
        if q_a * self.m <= _MAX_DENSE_C:
            c_dense = self._indicator_sums(codes_a, q_a, dense)
            self.c_sparse = sp.csr_matrix(c_dense)
        else:  # C = Z_a'W is mostly zeros and too large to hold dense
            za = sp.csr_matrix((np.ones(n), (codes_a, np.arange(n))), (q_a, n))
            self.c_sparse = (za @ self._sparse_w(dense)).tocsr()
        # C's response column and the rest, for the absorbed effects in :meth:`traces`
        self.c_response = self.c_sparse[:, -1].toarray().ravel()
        self.c_columns = self.c_sparse[:, :-1].tocsr()
        counts, inverse = np.unique(self.n_a, return_inverse=True)
        self.count_values = counts
        self.count_class = inverse
        self.pair_index: np.ndarray | None = None
        self.pairs: sp.csr_matrix | None = None
        if _pair_entries(self.c_sparse, inverse, len(counts), self.m) <= _MAX_PAIRS:
            self.pair_index, self.pairs = _pair_products(
                self.c_sparse, inverse, len(counts), self.m
            )

    def _sparse_w(self, dense: np.ndarray) -> sp.csr_matrix:
        """``W = [Z_rest, X, y]`` as a sparse matrix."""
        n, rows = self.n, np.arange(self.n)
        blocks = [
            sp.csr_matrix((np.ones(n), (rows, self.design.codes[j])), (n, self.sizes[j]))
            for j in self.rest
        ]
        return sp.hstack([*blocks, sp.csr_matrix(dense)], format="csr")

    def _indicator_sums(self, rows: np.ndarray, n_rows: int, dense: np.ndarray) -> np.ndarray:
        """Dense ``Z_r'W`` for the indicator matrix ``Z_r`` of ``rows`` (codes 0..n_rows-1).

        ``W = [Z_rest, X, y]`` is never formed: its indicator blocks are cross-tabulated
        and its dense columns summed per level (``np.bincount``), in one pass each.
        """
        design, sizes = self.design, self.sizes
        parts = [
            np.bincount(rows * sizes[j] + design.codes[j], minlength=n_rows * sizes[j])
            .reshape(n_rows, sizes[j])
            .astype(float)
            for j in self.rest
        ]
        parts += [
            np.bincount(rows, weights=dense[:, i], minlength=n_rows)[:, None]
            for i in range(dense.shape[1])
        ]
        return np.hstack(parts)

    def _wtw(self, dense: np.ndarray) -> np.ndarray:
        """``W'W`` from cross-tabulations and per-level sums (see :meth:`_indicator_sums`)."""
        top = [self._indicator_sums(self.design.codes[j], self.sizes[j], dense) for j in self.rest]
        q = self.q_rest
        bottom = np.hstack([*(t[:, q:].T for t in top), dense.T @ dense])
        return np.vstack([*top, bottom])

    def cholesky(self, theta: np.ndarray) -> CholeskyFactor:
        """Factorise the penalised system at ``theta`` (one value per component)."""
        theta = np.asarray(theta, dtype=float)
        blocks: np.ndarray | None = None
        half: np.ndarray | None = None
        if self.block is not None:
            blocks, logdet_a, correction, half = self.block.absorb(theta)
            s_mat = self.wtw - correction
            d = np.zeros(0)
        else:
            ta2 = theta[self.absorbed] ** 2
            d = ta2 * self.n_a + 1.0
            logdet_a = float(np.sum(np.log(d)))
            s_mat = self._absorb_one(ta2, d)
        scale = self.scale(theta)
        s_mat *= scale[:, None]
        s_mat *= scale[None, :]
        s_mat[np.arange(self.q_rest), np.arange(self.q_rest)] += 1.0
        # LAPACK's potrf reads the lower triangle only (the pair path updates no other)
        chol, info = lapack.dpotrf(s_mat, lower=1, clean=1, overwrite_a=1)
        if info != 0 or not np.isfinite(chol[-1, -1]):
            raise InterviewLabError(
                "The mixed-model system is not positive definite: the response may be "
                "constant or fitted exactly by the fixed effects."
            )
        diag = np.diag(chol)
        q, p = self.q_rest, self.p
        logdet_z = float(logdet_a + 2.0 * np.sum(np.log(diag[:q])))
        logdet_x = float(2.0 * np.sum(np.log(diag[q : q + p])))
        rss = float(diag[-1] ** 2)
        return CholeskyFactor(
            theta=theta,
            chol=chol,
            d=d,
            logdet_z=logdet_z,
            logdet_x=logdet_x,
            rss=rss,
            blocks=blocks,
            half=half,
        )

    def scale(self, theta: np.ndarray) -> np.ndarray:
        """Relative SD of each column of ``W = [Z_rest, X, y]`` (1 for X and y)."""
        scale = np.ones(self.m)
        if self.q_rest:
            scale[: self.q_rest] = np.asarray(theta, dtype=float)[np.asarray(self.rest)][
                self.rest_slot
            ]
        return scale

    def _weighted_pairs(self, weights: np.ndarray) -> np.ndarray:
        """Lower triangle of ``C' diag(w) C`` for weights ``w`` of the count classes.

        On the pair path only the lower triangle is written (the rest is 0); otherwise
        the whole symmetric matrix is formed by a sparse product.
        """
        if self.pairs is not None and self.pair_index is not None:
            out = np.zeros((self.m, self.m))
            out.ravel()[self.pair_index] = self.pairs @ weights
            return out
        cw = sp.diags(np.sqrt(weights[self.count_class])) @ self.c_sparse
        return np.asarray((cw.T @ cw).toarray())

    def _absorb_one(self, ta2: float, d: np.ndarray) -> np.ndarray:
        """W'W minus the contribution of one absorbed factor (diagonal block).

        A new array; on the pair path its lower triangle only is the Schur complement.
        """
        weights = ta2 / (ta2 * self.count_values + 1.0)
        if self.pairs is not None and self.pair_index is not None:
            schur = self.wtw.copy()
            schur.ravel()[self.pair_index] -= self.pairs @ weights
            return schur
        return self.wtw - self._weighted_pairs(weights)

    def solution(self, f: CholeskyFactor) -> np.ndarray:
        """``[u_rest, beta]``: spherical random effects of the rest levels, fixed effects."""
        upper = f.chol[:-1, :-1].T
        return np.asarray(sla.solve_triangular(upper, f.chol[-1, :-1], lower=False))

    def _inverse(self, f: CholeskyFactor, size: int) -> np.ndarray:
        """Symmetric inverse of the leading ``size`` block of the Schur complement."""
        if size == 0:
            return np.zeros((0, 0))
        inv, info = lapack.dpotri(f.chol[:size, :size], lower=1)
        if info != 0:  # pragma: no cover - the factor is positive definite
            raise InterviewLabError("The mixed-model system could not be inverted.")
        inv = np.tril(inv)
        return inv + np.tril(inv, -1).T

    def traces(self, f: CholeskyFactor) -> tuple[np.ndarray, np.ndarray]:
        """Per component ``q_j - tr_j(Omega^-1)`` and ``|u_j|^2`` at a factorisation.

        ``Omega`` is the penalised system without the response (with the fixed effects
        for REML, without them for ML); ``tr_j`` sums its inverse's diagonal over the
        levels of component ``j`` and ``u_j`` are their spherical random effects.
        These give the gradient (:meth:`gradient`). The rest levels' part of the inverse
        is the inverse of the Schur complement ``S``; an absorbed factor adds
        ``M^-1 + M^-1 B S^-1 B' M^-1`` (``M`` its diagonal or blocks, ``B`` the coupling).
        """
        theta = f.theta
        q = self.q_rest
        size = q + self.p if self.reml else q
        sinv = self._inverse(f, size)
        scale = self.scale(theta)
        sol = self.solution(f)
        k = len(theta)
        excess = np.zeros(k)
        usq = np.zeros(k)
        if q:
            u_rest = sol[:q]
            slots = len(self.rest)
            tr_rest = np.bincount(self.rest_slot, weights=np.diag(sinv)[:q], minlength=slots)
            sq_rest = np.bincount(self.rest_slot, weights=u_rest**2, minlength=slots)
            for i, j in enumerate(self.rest):
                excess[j] = self.sizes[j] - tr_rest[i]
                usq[j] = sq_rest[i]
        fitted = scale[:-1] * sol
        if self.block is None:
            a = self.absorbed
            ta = float(theta[a])
            u_a = ta * (self.c_response - self.c_columns @ fitted)
            u_a = u_a / f.d
            usq[a] = float(u_a @ u_a)
            ta2 = ta * ta
            coupling = self._weighted_pairs(ta2 / (ta2 * self.count_values + 1.0) ** 2)
            coupling = np.tril(coupling[:size, :size]) * np.outer(scale[:size], scale[:size])
            spread = 2.0 * np.sum(sinv * coupling) - np.sum(np.diag(sinv) * np.diag(coupling))
            excess[a] = float(self.sizes[a] - np.sum(1.0 / f.d) - spread)
        else:
            self._block_traces(f, sinv, scale[:size], fitted, excess, usq)
        return excess, usq

    def _block_traces(
        self,
        f: CholeskyFactor,
        sinv: np.ndarray,
        scale: np.ndarray,
        fitted: np.ndarray,
        excess: np.ndarray,
        usq: np.ndarray,
    ) -> None:
        """:meth:`traces` of the factors absorbed block by block (filled in place)."""
        blk, chol, half = self.block, f.blocks, f.half
        if blk is None or chol is None or half is None:  # pragma: no cover - block path only
            raise InterviewLabError("No absorbed blocks in this factorisation.")
        size = len(scale)
        chol_t = np.transpose(chol, (0, 2, 1))
        # M^-1 T C (levels in blocks x columns of W without y)
        spread = np.linalg.solve(chol_t, half[:, :, :size])
        weighted = spread @ (scale[:, None] * sinv * scale[None, :])
        diag = np.sum(weighted * spread, axis=2)
        chol_inv = np.linalg.solve(chol, np.broadcast_to(np.eye(blk.size), chol.shape))
        diag = diag + np.sum(chol_inv**2, axis=1)
        resid = half[:, :, -1] - half[:, :, :-1] @ fitted
        u = np.linalg.solve(chol_t, resid[:, :, None])[:, :, 0]
        for j in blk.nested:
            owner, slot = blk.position[j]
            excess[j] = self.sizes[j] - float(np.sum(diag[owner, slot]))
            usq[j] = float(np.sum(u[owner, slot] ** 2))

    def gradient(self, f: CholeskyFactor, sigma2: float | None = None) -> np.ndarray:
        """Gradient in ``theta`` of the profiled criterion, or of :meth:`full` at ``sigma2``.

        ``d/d theta_j = (2 / theta_j) (q_j - tr_j(Omega^-1) - |u_j|^2 / sigma^2)`` with
        ``sigma^2 = r^2 / dof`` for the profiled criterion (the derivative of
        ``log|Omega|`` and of the penalised residual sum of squares ``r^2``, whose
        derivative is ``-2 |u_j|^2 / theta_j``); 0 at ``theta_j = 0``, where the
        criterion is even in ``theta_j``.
        """
        excess, usq = self.traces(f)
        s2 = f.rss / self.dof if sigma2 is None else sigma2
        theta = f.theta
        safe = np.where(theta > 0, theta, 1.0)
        return np.where(theta > 0, 2.0 / safe * (excess - usq / s2), 0.0)

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Profiled criterion and its gradient at ``theta``, for the optimiser.

        At ``theta_j = 0`` the gradient is exactly 0 (the criterion is even), which
        would hold a search at the bound wherever it lands; there the slope is the
        one-sided difference over ``theta_j = 1e-3`` instead (one more factorisation),
        negative where the criterion falls inwards.
        """
        theta = np.asarray(theta, dtype=float)
        f = self.cholesky(np.abs(theta))
        value = self._profiled(f)
        grad = self.gradient(f) * np.where(theta < 0, -1.0, 1.0)
        for j in np.flatnonzero(theta == 0):
            probe = np.abs(theta)
            probe[j] = BOUNDARY_PROBE
            grad[j] = (self.criterion(probe) - value) / BOUNDARY_PROBE
        return value, grad

    def _profiled(self, f: CholeskyFactor) -> float:
        dev = f.logdet_z + self.dof * (1.0 + np.log(2.0 * np.pi * f.rss / self.dof))
        return float(dev + (f.logdet_x if self.reml else 0.0))

    @property
    def dof(self) -> int:
        """Degrees of freedom of the residual scale: n - p (REML) or n (ML)."""
        return self.n - self.p if self.reml else self.n

    def criterion(self, theta: np.ndarray) -> float:
        """Profiled deviance (-2 log-likelihood, sigma^2 profiled out) at ``theta``."""
        return self._profiled(self.cholesky(theta))

    def full(self, theta: np.ndarray, sigma2: float) -> float:
        """Deviance at ``theta`` and an explicit residual variance ``sigma2``."""
        return self._full_value(self.cholesky(theta), sigma2)

    def _full_value(self, f: CholeskyFactor, sigma2: float) -> float:
        dev = f.logdet_z + self.dof * (LOG_2PI + np.log(sigma2)) + f.rss / sigma2
        return float(dev + (f.logdet_x if self.reml else 0.0))

    def full_gradient(self, tau: np.ndarray) -> tuple[float, np.ndarray]:
        """Deviance at ``tau = (theta, sigma)`` and its gradient in ``tau``.

        ``d / d sigma = 2 dof / sigma - 2 r^2 / sigma^3``; the criterion is even in each
        ``theta_j``, so a negative ``theta_j`` is evaluated at ``|theta_j|``.
        """
        tau = np.asarray(tau, dtype=float)
        theta, sigma = tau[:-1], float(tau[-1])
        sigma2 = sigma * sigma
        f = self.cholesky(np.abs(theta))
        grad = np.empty(len(tau))
        grad[:-1] = self.gradient(f, sigma2) * np.where(theta < 0, -1.0, 1.0)
        grad[-1] = 2.0 * self.dof / sigma - 2.0 * f.rss / (sigma2 * sigma)
        return self._full_value(f, sigma2), grad

    def sigma2(self, f: CholeskyFactor) -> float:
        """Residual variance at a factorisation: r^2 / (n - p) for REML, r^2 / n for ML."""
        return f.rss / self.dof


#: largest projected gradient of the deviance accepted as converged (lme4's default)
_GRADIENT_TOL = 2e-3


def _gradient(fun: Any, x: np.ndarray, lower: Sequence[float | None]) -> np.ndarray:
    """Finite-difference gradient: central inside, forward at a lower bound.

    The criterion is even in each theta, so a central difference at theta = 0 is exactly
    zero even where the criterion falls as theta grows; a forward difference there shows
    the optimiser the way in.
    """
    grad = np.empty_like(x)
    f0: float | None = None
    for i in range(len(x)):
        h = 1e-5 * max(1.0, abs(x[i]))
        up = x.copy()
        up[i] += h
        bound = lower[i]
        if bound is not None and x[i] - h < bound:
            if f0 is None:
                f0 = float(fun(x))
            grad[i] = (fun(up) - f0) / h
            continue
        down = x.copy()
        down[i] -= h
        grad[i] = (fun(up) - fun(down)) / (2.0 * h)
    return grad


def _leave_boundary(
    run: Any, best: Any, lower: Sequence[float | None], value_and_gradient: Any
) -> Any:
    """Re-optimise from inside when the criterion falls away from a bound of 0.

    The criterion is even in each theta, so its gradient vanishes at ``theta_j = 0`` and
    is tiny near it: a search that ends within 1e-3 of the bound may sit next to a
    local *maximum* along ``theta_j`` (a shallow interior optimum, as lme4 finds for a
    small rater variance). At ``theta_j = 1e-3`` the analytic gradient shows the
    slope: where it is negative and the criterion lower than at the end point, the
    search restarts from the lowest of ``theta_j = 1e-3, 4e-3, 1.6e-2, ...`` and the
    better optimum is kept.
    """
    for i, lo in enumerate(lower):
        if lo is None or best.x[i] - lo >= BOUNDARY_PROBE:
            continue
        probe = np.asarray(best.x, dtype=float).copy()
        probe[i] = lo + BOUNDARY_PROBE
        value, grad = value_and_gradient(probe)
        if not (grad[i] < 0 and value < best.fun):
            continue
        start, lowest = probe.copy(), value
        for _ in range(6):
            probe[i] = lo + 4.0 * (probe[i] - lo)
            value = value_and_gradient(probe)[0]
            if value >= lowest:
                break
            start, lowest = probe.copy(), value
        second = run(start)
        if second.fun < best.fun:
            best = second
    return best


def minimise(
    fun: Any,
    x0: np.ndarray,
    lower: Sequence[float | None],
    *,
    ftol: float = 1e-14,
    gtol: float = 1e-7,
    retry: bool = True,
    value_and_gradient: Any = None,
    upper: float | None = None,
) -> tuple[np.ndarray, bool]:
    """Bounded L-BFGS-B; returns (x, converged).

    ``upper`` bounds from above each parameter that has a lower bound (the relative
    standard deviations, :data:`THETA_MAX`).

    ``value_and_gradient(x) -> (fun(x), gradient)`` supplies an analytic gradient;
    without it the gradient is a finite difference (:func:`_gradient`). With ``retry``,
    a parameter that ends on its bound of 0 is re-tried from an interior start and the
    better of the two optima kept, so that the stationary point at 0 of the even
    criterion is not mistaken for the minimum.
    """

    def run(start: np.ndarray) -> Any:
        jac: Any = True
        target = value_and_gradient
        if value_and_gradient is None:
            target, jac = fun, lambda x: _gradient(fun, x, lower)
        return sopt.minimize(
            target,
            start,
            jac=jac,
            method="L-BFGS-B",
            bounds=[(lo, None if lo is None else upper) for lo in lower],
            options={"ftol": ftol, "gtol": gtol, "maxiter": 500},
        )

    best = run(np.asarray(x0, dtype=float))
    at_bound = [i for i, lo in enumerate(lower) if lo is not None and best.x[i] - lo < 1e-6]
    if retry and at_bound:
        retry_start = np.asarray(best.x, dtype=float).copy()
        retry_start[at_bound] = 0.5
        second = run(retry_start)
        if second.fun < best.fun - 1e-10:
            best = second
    if retry and value_and_gradient is not None:
        best = _leave_boundary(run, best, lower, value_and_gradient)
    x = np.asarray(best.x, dtype=float)
    if best.success:
        return x, True
    # L-BFGS-B stops "abnormally" when finite-difference noise defeats its line search at
    # the optimum; count that as converged when the projected gradient is negligible
    # (lme4's check.conv.grad tolerance, 0.002, on the deviance scale).
    if value_and_gradient is not None:
        grad = np.asarray(value_and_gradient(x)[1])
    else:
        grad = _gradient(fun, x, lower)
    at_lower = np.array(
        [lo is not None and xi - lo < 1e-6 for xi, lo in zip(x, lower, strict=True)]
    )
    projected = np.where(at_lower, np.minimum(grad, 0.0), grad)
    return x, bool(np.max(np.abs(projected), initial=0.0) < _GRADIENT_TOL)
