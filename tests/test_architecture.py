"""The package's architecture: public names, layers without import cycles, function sizes.

The checks read the source with the standard library's ``ast`` (no import side effects),
so a cycle hidden behind a lazy import inside a function is not counted: only imports at
module level form the import graph, as Python executes them at import time.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

import interviewlab as il

PACKAGE = Path(il.__file__).resolve().parent

# Every name `import interviewlab` exposed before the package was split into subpackages
# (issue 9); later issues add names, none may disappear.
PUBLIC_BEFORE_LAYOUT = {
    "GStudy", "InterviewLabError", "InterviewLabWarning", "MixedFit", "Problem",
    "ReportWriter", "SmallSampleWarning", "Study", "StudyError", "__version__",
    "appointment_table", "audit_table", "available_reports", "bias_estimates",
    "check_no_identifiers", "cohen_kappa", "compare_reliability", "cronbach_alpha",
    "d_study", "findings", "fit_mixed", "fleiss_kappa", "funnel", "g_study", "gwet_ac",
    "icc", "icc_reml", "impact_ratios", "krippendorff_alpha", "list_datasets",
    "load_study", "mantel_haenszel", "mean_over", "optimal_design", "plot_bars",
    "plot_estimates", "pooled_stage_audit", "question_gaps", "rater_effects",
    "read_dataset", "relative_likelihood", "run_report", "score_gaps", "score_summary",
    "scoring_rate_sweep", "scoring_rates", "selection_rates", "simulate_scenarios",
    "simulate_study", "stage_audit", "stage_entrants", "suppress_small_cells",
}  # fmt: skip

# The layers, lowest first: a module may import from its own layer or a lower one.
LAYERS = {
    "errors": 0,
    "_checks": 0,
    "_docs": 0,
    "_lifeline": 0,
    "data": 1,
    "models": 1,
    "reliability": 2,
    "impact": 2,
    "formats": 3,
    "panels": 3,
    "audio": 3,
    "training": 4,
    "reporting": 4,
    "cli": 5,
    "__init__": 5,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("interviewlab", *parts))
        out[name.removesuffix(".__init__")] = path
    return out


def _module_level_imports(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module.startswith("interviewlab"):
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("interviewlab"))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in _module_level_imports(path, name) if m in modules} - {name}
    return graph


def test_public_names_are_all_still_exposed():
    missing = PUBLIC_BEFORE_LAYOUT - set(il.__all__)
    assert not missing
    for name in il.__all__:
        assert hasattr(il, name), name


def test_subpackages_reexport_explicitly():
    for sub in ("data", "models", "reliability", "impact", "reporting"):
        init = PACKAGE / sub / "__init__.py"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{sub}/__init__.py needs a docstring"
        star = [n for n in ast.walk(tree) if isinstance(n, ast.alias) and n.name == "*"]
        assert not star, f"{sub}/__init__.py uses a star import"
        exported = next(
            n
            for n in tree.body
            if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "__all__"
        )
        names = {e.value for e in exported.value.elts}  # type: ignore[attr-defined]
        module = __import__(f"interviewlab.{sub}", fromlist=["_"])
        assert names <= set(dir(module))


def test_no_import_cycle_between_modules():
    graph = _graph()
    # a submodule importing its own package's __init__ is how Python loads it, not a cycle
    edges = {
        m: {d for d in deps if not m.startswith(d + ".") and not d.startswith(m + ".")}
        for m, deps in graph.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(edges[node]):
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def _layer(module: str) -> int:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return LAYERS[top]


def test_lower_layers_never_import_higher_ones():
    for module, deps in _graph().items():
        for dep in deps:
            assert _layer(dep) <= _layer(module), f"{module} imports the higher layer {dep}"


def _imports_anywhere(path: Path, name: str) -> list[tuple[str, list[str]]]:
    """(module, names) of every ``from ... import`` in a module, in functions too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            module = (
                ".".join([*base, node.module] if node.module else base)
                if node.level
                else node.module or ""
            )
            found.append((module, [alias.name for alias in node.names]))
    return found


def test_other_layers_use_the_engines_public_api():
    # models/engine.py documents the engine's internal API (design, deviance, minimise,
    # fit, BLAS threads); other layers import it, never models' private modules or names
    for name, path in _modules().items():
        if name.startswith("interviewlab.models"):
            continue
        for module, names in _imports_anywhere(path, name):
            if not module.startswith("interviewlab.models"):
                continue
            private_module = [p for p in module.split(".") if p.startswith("_")]
            assert not private_module, f"{name} imports from {module}; use models.engine"
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{name} imports {private} from {module}; use models.engine"


def test_size_limits_are_on_functions():
    # issue 25: ruff bounds every function of the package (complexity and statements), in
    # place of a cap on file length that split files by line count
    config = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    assert {"C901", "PLR0915"} <= set(lint["select"])
    assert lint["mccabe"]["max-complexity"] <= 15
    assert lint["pylint"]["max-statements"] <= 60
    ignored = {rule for rules in lint["per-file-ignores"].values() for rule in rules}
    assert not any(pattern.startswith("src") for pattern in lint["per-file-ignores"]), ignored


def test_no_process_surgery():
    # issue 23: report kernels are launched by papermill the ordinary way; no module forks
    # a process itself or subclasses jupyter_client's kernel machinery
    for module, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                call = f"{node.value.id}.{node.attr}"
                assert call not in ("os.fork", "os.forkpty"), f"{module} calls {call}"
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert not any(n.startswith("jupyter_client") for n in names), module
