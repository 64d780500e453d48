"""Cell suppression over linked margins, checked by linear algebra (internal).

The counts a study's reports publish are sums over *atoms*: the candidates of one
category with one combination of memberships (applied, entered each stage, rated in
each format, ...). A published cell (a category's count in a margin) and a published
total (a margin's count over every category) are rows of a 0/1 matrix over the atoms.
A hidden cell is disclosed exactly when its row is a linear combination of the
published rows: subtracting the shown categories from a total, following the chain of
stages, or adding two formats are all such combinations. This is the criterion of the
Gaussian-elimination method of Statistics Norway's ``GaussSuppression`` (Langsrud 2024)
for linked tables protected together ("global protection"), and like it only the
primary cells (those with fewer than the minimum, and the ``targets`` given) must stay
underivable. The secondary cells are chosen differently: not by walking the cells in
order of cost, but, for each primary cell still derivable, by a linear program (the
attacker's problem of Fischetti & Salazar 2001, one unit of protection) that finds the
cheapest set of shown cells whose change lets the primary cell move by one person while
every published total and cell stays the same. The cost of a cell is its people (see
:func:`protect`), so the complements are the cells that lose least.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Atoms", "derivable", "protect"]

#: relative tolerance of the rank decisions (the matrices hold 0/1 entries)
_TOL = 1e-9


@dataclass(frozen=True)
class Atoms:
    """Candidates grouped by category and by the margins they belong to.

    Attributes
    ----------
    labels : numpy.ndarray
        One tuple of category labels per atom (one label per classifying column).
    members : numpy.ndarray
        Boolean, atoms x margins: the atom's candidates belong to the margin.
    counts : numpy.ndarray
        The number of candidates in each atom.
    margins : tuple of str
        The margins' names, in order.
    matrix : numpy.ndarray
        The labels as an atoms x columns array of str.
    """

    labels: np.ndarray
    members: np.ndarray
    counts: np.ndarray
    margins: tuple[str, ...]
    matrix: np.ndarray

    @classmethod
    def build(
        cls,
        labels: pd.DataFrame,
        masks: Mapping[str, np.ndarray],
        weights: np.ndarray | None = None,
    ) -> Atoms:
        """Group rows (candidates, or counted combinations with ``weights``) into atoms."""
        names = tuple(masks)
        n = len(labels)
        codes, uniques = [], []
        for col in labels.columns:
            code, values = pd.factorize(labels[col].to_numpy(dtype=object), sort=True)
            codes.append(code)
            uniques.append(values)
        member = (
            np.column_stack([np.asarray(masks[m], dtype=bool) for m in names])
            if names
            else np.zeros((n, 0), dtype=bool)
        )
        key = np.column_stack([*codes, member.astype(np.int64)]) if codes else member
        keys, inverse = np.unique(key, axis=0, return_inverse=True)
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        counts = np.bincount(inverse.ravel(), weights=w, minlength=len(keys))
        keep = counts > 0
        keys, counts = keys[keep], counts[keep]
        width = len(codes)
        matrix = np.empty((len(keys), width), dtype=object)
        for i in range(width):
            matrix[:, i] = np.asarray(uniques[i], dtype=object)[keys[:, i]]
        tuples = np.empty(len(keys), dtype=object)
        tuples[:] = [tuple(str(v) for v in row) for row in matrix]
        return cls(
            labels=tuples,
            members=keys[:, width:].astype(bool),
            counts=counts.astype(float),
            margins=names,
            matrix=matrix.astype(str) if len(keys) else matrix,
        )

    def cell(self, margin: str, category: Sequence[str | None]) -> np.ndarray:
        """The 0/1 row of a cell: ``None`` in ``category`` matches any label there."""
        keep = self.members[:, self.margins.index(margin)].copy()
        for i, label in enumerate(category):
            if label is not None:
                keep &= self.matrix[:, i] == label
        return keep.astype(float)

    def categories(self, margin: str) -> list[tuple[str, ...]]:
        """The categories with at least one candidate in ``margin``, sorted."""
        column = self.margins.index(margin)
        return sorted({tuple(lab) for lab in self.labels[self.members[:, column]]})


def _basis(rows: list[np.ndarray], width: int) -> np.ndarray:
    """The span of ``rows`` in reduced row-echelon form (one row per pivot).

    Plain Gaussian elimination with partial pivoting, in elementwise numpy operations:
    the 0/1 matrices here are small, and threaded LAPACK calls on them are slower than
    this on a busy machine.
    """
    if not rows:
        return np.zeros((0, width))
    matrix = np.vstack(rows).astype(float)
    pivot_rows: list[np.ndarray] = []
    for col in range(width):
        if not matrix.size:
            break
        column = np.abs(matrix[:, col])
        best = int(np.argmax(column))
        if column[best] <= _TOL:
            continue
        pivot = matrix[best] / matrix[best, col]
        matrix = np.delete(matrix, best, axis=0)
        matrix -= np.outer(matrix[:, col], pivot)
        for i, previous in enumerate(pivot_rows):
            pivot_rows[i] = previous - previous[col] * pivot
        pivot_rows.append(pivot)
    return np.vstack(pivot_rows) if pivot_rows else np.zeros((0, width))


def derivable(target: np.ndarray, rows: Sequence[np.ndarray]) -> bool:
    """Whether ``target`` is a linear combination of ``rows`` (it can be worked out)."""
    return _in_span(target, _basis(list(rows), len(target)))


def _in_span(target: np.ndarray, basis: np.ndarray) -> bool:
    residual = np.asarray(target, dtype=float).copy()
    for row in basis:
        col = int(np.argmax(np.abs(row) > _TOL))
        residual -= residual[col] * row
    return float(np.abs(residual).max(initial=0.0)) <= 1e-7 * max(
        1.0, float(np.abs(target).max(initial=0.0))
    )


@dataclass
class _Cell:
    margin: str
    category: tuple[str, ...]
    row: np.ndarray
    count: float
    order: int


def protect(
    atoms: Atoms,
    *,
    min_cell_size: int,
    forced: Mapping[tuple[str, tuple[str, ...]], str] | None = None,
    published: Sequence[np.ndarray] = (),
    targets: Sequence[np.ndarray] = (),
    avoid: Sequence[tuple[str, ...]] = (),
    follows: Mapping[str, str] | None = None,
    linked: Collection[str] = (),
) -> dict[str, dict[tuple[str, ...], str]]:
    """Hide the cells of every margin so that no small cell can be worked out.

    Parameters
    ----------
    atoms : Atoms
        The candidates, by category and margin.
    min_cell_size : int
        A cell with 1 to ``min_cell_size - 1`` candidates is hidden (primary).
    forced : mapping, optional
        (margin, category) -> reason: cells hidden whatever their count (e.g. a pair of
        categories whose single category is hidden).
    published : sequence of numpy.ndarray, optional
        Further published rows over the atoms (e.g. single-column cells shown in
        another table, over the atoms of a crossed classification).
    targets : sequence of numpy.ndarray, optional
        Further rows that must stay underivable (hidden cells of another table).
    avoid : sequence of tuple
        Categories hidden as complements only at a high price (the reference groups:
        hiding one hides every ratio against it, so it costs its margin's total).
    follows : mapping, optional
        Margin -> the margin it follows (a stage's entrants -> the previous stage's):
        hiding a cell also hides the previous stage's row that shows it as its passers,
        so it costs that cell's candidates too.
    linked : collection of str, optional
        Margins whose cells are published and linked to the others, but are no one's
        base (no figure is a share of them, e.g. a stage's entrants within one period,
        which the reports over time only count among the period's applicants): their
        small cells are shown, and hidden only as complements.

    Returns
    -------
    dict
        margin -> {category: reason} for every hidden cell, the reason being
        ``"fewer than N"``, ``"complementary"`` or the forced cell's reason.

    Notes
    -----
    For each small cell in turn, a linear program looks for the cheapest change of the
    table that keeps every published cell and total and moves the small cell by one
    person without making any count negative (the attacker's and the protector's
    problem of Fischetti & Salazar 2001, with one unit of protection); the shown cells
    it has to change are hidden as complements. The cost of a cell is its number of
    candidates (plus the previous stage's row it hides, and a reference group's margin
    total). A small cell that is no
    longer a linear combination of the published rows (the complements hidden so far
    protect it) needs no program. Hiding is cumulative, so a cell protected earlier
    stays protected.
    """
    cells: list[_Cell] = []
    for margin in atoms.margins:
        for category in atoms.categories(margin):
            row = atoms.cell(margin, category)
            cells.append(_Cell(margin, category, row, float(row @ atoms.counts), len(cells)))
    reasons: dict[int, str] = {}
    forced = dict(forced or {})
    linked = set(linked)
    for cell in cells:
        if 0 < cell.count < min_cell_size and cell.margin not in linked:
            reasons[cell.order] = f"fewer than {min_cell_size}"
        elif (cell.margin, cell.category) in forced:
            reasons[cell.order] = forced[(cell.margin, cell.category)]
    totals = {m: atoms.cell(m, (None,) * _width(atoms)) for m in atoms.margins}
    costs = _costs(cells, totals, atoms.counts, set(map(tuple, avoid)), dict(follows or {}))
    fixed = [*totals.values(), *published]
    width = len(atoms.counts)
    must_hide = [
        c.row for c in cells if 0 < c.count < min_cell_size and c.margin not in linked
    ] + list(targets)
    basis = None
    for target in must_hide:
        if basis is None:
            basis = _basis([*fixed, *(c.row for c in cells if c.order not in reasons)], width)
        if not _in_span(target, basis):
            continue  # already protected by the cells hidden so far
        for order in _cheapest_change(target, cells, reasons, costs, fixed, atoms.counts):
            reasons.setdefault(order, "complementary")
        basis = None
    out: dict[str, dict[tuple[str, ...], str]] = {}
    for cell in cells:
        if cell.order in reasons:
            out.setdefault(cell.margin, {})[cell.category] = reasons[cell.order]
    return out


def _width(atoms: Atoms) -> int:
    return len(atoms.labels[0]) if len(atoms.labels) else 1


def _costs(
    cells: list[_Cell],
    totals: Mapping[str, np.ndarray],
    counts: np.ndarray,
    avoided: set[tuple[str, ...]],
    follows: Mapping[str, str],
) -> np.ndarray:
    """What hiding each cell loses.

    Its candidates, those of the previous stage's row it is the passers of, and its
    margin's total for a reference group.
    """
    cost = np.array([c.count for c in cells], dtype=float)
    size = {(c.margin, c.category): c.count for c in cells}
    for i, cell in enumerate(cells):
        if cell.margin in follows:
            cost[i] += size.get((follows[cell.margin], cell.category), 0.0)
        if cell.category in avoided:
            cost[i] += float(totals[cell.margin] @ counts)
    # a tiny tie-break by position keeps the choice deterministic
    return cost + 1e-6 * np.arange(len(cells))


def _cheapest_change(
    target: np.ndarray,
    cells: list[_Cell],
    reasons: Mapping[int, str],
    costs: np.ndarray,
    fixed: Sequence[np.ndarray],
    counts: np.ndarray,
) -> list[int]:
    """The shown cells to hide so that ``target`` can move by one person.

    Variables: a change ``z`` of the atoms (no atom below zero people) and, per shown
    cell, the size ``u`` of its change; minimise the cost of the changed shown cells
    subject to fixed published rows and totals and a unit change of the target.
    """
    from scipy.optimize import linprog

    shown = [c for c in cells if c.order not in reasons]
    n_atoms, n_shown = len(counts), len(shown)
    fixed_rows = [r for r in fixed if np.any(r)]
    a_eq = np.vstack([*fixed_rows, target]) if fixed_rows else target[None, :]
    b_eq = np.zeros(a_eq.shape[0])
    b_eq[-1] = 1.0
    a_eq = np.hstack([a_eq, np.zeros((a_eq.shape[0], n_shown))])
    rows = np.vstack([c.row for c in shown]) if shown else np.zeros((0, n_atoms))
    eye = np.eye(n_shown)
    a_ub = np.vstack([np.hstack([rows, -eye]), np.hstack([-rows, -eye])])
    b_ub = np.zeros(2 * n_shown)
    cost = np.concatenate([np.zeros(n_atoms), costs[[c.order for c in shown]]])
    bounds = [(-float(n), None) for n in counts] + [(0.0, None)] * n_shown
    result = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs"
    )
    if result.status != 0:
        # no change keeps the published rows: the target equals a published total or
        # sum; it cannot be protected by hiding cells, so every related cell is hidden
        return [c.order for c in shown if np.any((c.row > 0) & (target > 0))]
    change = result.x[n_atoms:]
    return [c.order for c, u in zip(shown, change, strict=True) if u > 1e-7]
