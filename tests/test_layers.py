"""The package's shape (docs/architecture.md): imports run one way, no cycles, no private names
across modules, no SimPy internals, modules of a readable size.

The layers, lowest first: the foundation (``distributions``, ``seeds``), ``config``, ``model``,
``engine``, ``analysis``, ``interface``. A module may import from its own layer or below, never
above; within a layer the module graph has no cycle. Imports inside function bodies are allowed
only for optional heavy dependencies (dask, SALib), never for simshare's own modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simshare"
LAYERS = {"distributions": 0, "seeds": 0, "version": 0, "config": 1, "model": 2, "engine": 3, "analysis": 4, "interface": 5}
MAX_LINES = 420  # "about 400"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(name: str) -> int | None:
    """The layer of a simshare module; None for the package facade (``simshare``, ``__main__``)."""
    parts = name.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(name: str, path: Path) -> list[tuple[str, list[str], bool, int]]:
    """(imported module, names, inside a function body, line) for every simshare import of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    known = modules()
    out = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                target = resolve(name, path.name == "__init__.py", child)
                if target.split(".")[0] == "simshare":
                    names = [a.name for a in child.names]
                    # `from .pkg import module` imports a module, not a name
                    subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
                    for sub in subs:
                        out.append((sub, [], inside, child.lineno))
                    rest = [n for n in names if f"{target}.{n}" not in known]
                    if rest or not subs:
                        out.append((target, rest, inside, child.lineno))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "simshare":
                        out.append((alias.name, [], inside, child.lineno))
            visit(child, inside)

    visit(tree, False)
    return out


def test_every_module_has_a_layer():
    unplaced = [n for n in modules() if n not in ("simshare", "simshare.__main__") and layer(n) is None]
    assert not unplaced, f"modules outside the layers of docs/architecture.md: {unplaced}"


def test_no_upward_import():
    upward = []
    for name, path in modules().items():
        mine = layer(name)
        if mine is None:
            continue
        for target, _, _, line in imports(name, path):
            theirs = layer(target)
            if theirs is not None and theirs > mine:
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not upward, "imports that reach up a layer:\n" + "\n".join(upward)


def test_no_simshare_import_inside_a_function():
    late = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
            for name, path in modules().items() for target, _, inside, line in imports(name, path) if inside]
    assert not late, "simshare imports inside function bodies (hiding a cycle or an upward import):\n" + "\n".join(late)


def test_no_import_cycle():
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps = set()
        for target, _, _, _ in imports(name, path):
            # importing a package runs its __init__; count the edge to the package module itself
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                deps.add(target)
        graph[name] = deps
    # a package's __init__ importing its own submodules is the normal facade, not a cycle
    def edges(n: str) -> set[str]:
        return {d for d in graph[n] if not (n.startswith(d + ".") and known[d].name == "__init__.py")}

    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def dfs(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in sorted(edges(n)):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                dfs(d)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            dfs(n)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_private_name_across_modules():
    private = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {n} from {target}"
               for name, path in modules().items() for target, names, _, line in imports(name, path)
               for n in names if n.startswith("_") and n != "__version__"]
    assert not private, "private names imported from another module:\n" + "\n".join(private)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_module_size_and_no_simpy_internals(path: Path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"{path.name} has {len(text.splitlines())} lines (about 400 at most)"
    tree = ast.parse(text)
    inside = [f"line {node.lineno}: env.{node.attr}" for node in ast.walk(tree)
              if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
              and isinstance(node.value, ast.Name) and node.value.id == "env"]
    assert not inside, "SimPy internals used (use env.schedule, events and env.now): " + ", ".join(inside)


#: the design folder beside a developer's checkout, which a user's clone does not have (built from parts
#: so that this file, too, is free of it, and a plain grep of the repository finds nothing)
OUTSIDE = "/".join(("..", "shared"))


def test_no_reference_outside_the_repository():
    root = PACKAGE.parent
    hits = []
    for path in root.rglob("*"):
        if any(part in (".git", ".venv", "results", "__pycache__", ".hypothesis", ".pytest_cache") or part.endswith(".egg-info")
               for part in path.relative_to(root).parts) or not path.is_file() or path.suffix not in (
                ".py", ".md", ".toml", ".ipynb", ".txt", ".cfg", ".json", ""):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if OUTSIDE in text:
            hits.append(str(path.relative_to(root)))
    assert not hits, f"files that point outside the repository (users have no {OUTSIDE}): " + ", ".join(hits)
