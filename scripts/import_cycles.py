"""Import cycles between files of different folders in src/commonground, and the layout limits.

Every import counts, at a module's top or inside a function (a cycle hidden in a function is
still a cycle: it is broken by moving the shared piece down), except those under
``if TYPE_CHECKING:``, which never run. ``from package import name`` is an edge to the
submodule ``package.name`` when there is one, else to the package's ``__init__``.

A cycle is a strongly connected group of modules; one whose files all sit in one folder is
allowed (a package's own modules may lean on each other), any other is reported with one
shortest loop through it. Also checked: no app (a top-level package) holds more than
``--max-modules`` modules at its top level, and no module outside migrations and demo data
is longer than ``--max-lines`` lines. Exits 1 on any finding.

    python scripts/import_cycles.py [--max-modules 12] [--max-lines 500]
"""

import argparse
import ast
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "commonground"
# Data, not logic: seeded texts and the demo company's content.
LONG_FILE_ALLOWED = ("/migrations/", "/demo/", "/demo.py", "/seed.py")


def module_files() -> dict[str, Path]:
    """Every module's dotted name and its file (a package is its ``__init__``)."""
    found = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: all but those under ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _base(module, path, node)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            graph[module].update(
                target for target in targets if target in modules and target != module
            )
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's groups, iteratively (the graph is deep enough to trouble recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(sorted(group))
    return [group for group in groups if len(group) > 1]


def shortest_loop(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    members = set(group)
    start = group[0]
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node] & members):
            if target == start:
                loop = [node]
                while loop[-1] != start:
                    loop.append(came_from[loop[-1]])
                return [start, *reversed(loop[:-1]), start]
            if target not in came_from:
                came_from[target] = node
                queue.append(target)
    return group


def folder(modules: dict[str, Path], name: str) -> Path:
    return modules[name].parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-modules", type=int, default=12)
    parser.add_argument("--max-lines", type=int, default=500)
    options = parser.parse_args()
    modules = module_files()
    graph = import_graph(modules)
    problems = 0
    groups = strongly_connected(graph)
    for group in groups:
        folders = {folder(modules, name) for name in group}
        if len(folders) > 1:
            problems += 1
            loop = " -> ".join(shortest_loop(graph, group))
            print(f"cycle across {len(folders)} folders: {loop}")
    within = sum(1 for group in groups if len({folder(modules, n) for n in group}) == 1)
    for app in sorted(p for p in (ROOT / PACKAGE).iterdir() if (p / "__init__.py").exists()):
        count = len(list(app.glob("*.py")))
        if count > options.max_modules:
            problems += 1
            print(f"{app.name}: {count} top-level modules (at most {options.max_modules})")
    for path in modules.values():
        lines = len(path.read_text().splitlines())
        allowed = any(part in path.as_posix() for part in LONG_FILE_ALLOWED)
        if lines > options.max_lines and not allowed:
            problems += 1
            print(f"{path.relative_to(ROOT)}: {lines} lines (at most {options.max_lines})")
    edges = sum(len(targets) for targets in graph.values())
    print(
        f"{len(modules)} modules, {edges} imports between them; "
        f"{within} cycle(s) inside one folder (allowed); {problems} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
