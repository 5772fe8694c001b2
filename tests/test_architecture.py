"""The layout's rules, checked on the source: no import circle, manifests instead of file-name
discovery, no route module importing another, no template global that can query."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from portal import modules
from portal.manifest import Job, Module
from portal.web.templating import environment

PORTAL = Path(__file__).resolve().parents[1] / "portal"
ROUTE_FILES = {"routes.py", "api.py"}
# A `<part>_<role>.py` name is a package in disguise: the part should be a folder.
PREFIXED_ROLE = re.compile(r"^[a-z]+_(routes|services|models|jobs|permissions|pages|demo|api)\.py$")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PORTAL.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    return skipped


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every portal module that `path` imports, at the top or inside a function (a deferred
    import hides a circle, it does not remove it); `if TYPE_CHECKING:` imports do not count."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    found = {m for m in found if m in known and m != name}
    if path.name == "__init__.py":
        # A package naming its own parts (its manifest) is how packages are built.
        found = {m for m in found if not m.startswith(name + ".")}
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PORTAL.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, known) for name, path in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_circle_finder_finds_a_deferred_circle() -> None:
    """The check itself: a circle made of a top-level and a function-level import is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_portal() -> None:
    """No two modules of portal/ import each other, directly or through others."""
    found = circles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_route_module_imports_another() -> None:
    """A page needed by two route files lives in a pages module, not in one of the route files."""
    graph = import_graph()
    offenders = [
        f"{name} imports {other}"
        for name, deps in graph.items()
        if name.rsplit(".", 1)[-1] + ".py" in ROUTE_FILES
        for other in deps
        if other.rsplit(".", 1)[-1] + ".py" in ROUTE_FILES
    ]
    assert not offenders, "\n".join(offenders)


def test_no_part_role_file_names_and_no_discovery_by_name() -> None:
    """Parts are folders (`synthesis/routes.py`, not `synthesis_routes.py`) and nothing globs."""
    in_packages = [p for p in PORTAL.rglob("*.py") if p.parent != PORTAL]
    prefixed = [str(p.relative_to(PORTAL)) for p in in_packages if PREFIXED_ROLE.match(p.name)]
    assert not prefixed, prefixed
    source = (PORTAL / "modules.py").read_text(encoding="utf-8")
    assert ".glob(" not in source and "iterdir" not in source


@pytest.mark.parametrize("manifest", modules.MODULES, ids=lambda m: m.name)
def test_each_domain_package_declares_its_manifest(manifest: Module) -> None:
    """Each package's manifest names real parts: tables, routes, jobs, commands, demo loaders."""
    package = importlib.import_module(f"portal.{manifest.name}")
    assert package.MANIFEST is manifest
    assert manifest.routes and manifest.models
    assert manifest.templates is not None and manifest.templates.is_dir()
    in_package = (manifest.routes + manifest.models + manifest.jobs + manifest.demo
                  + tuple(filter(None, (manifest.cli, manifest.template_globals))))  # fmt: skip
    assert all(name.startswith(f"portal.{manifest.name}.") for name in in_package)
    for name in manifest.models:
        part = importlib.import_module(name)
        tables = [
            v for v in vars(part).values()
            if getattr(v, "__table__", None) is not None and v.__module__ == name
        ]  # fmt: skip
        assert tables, f"{name} holds no table"
        assert all(t.__tablename__.startswith(manifest.name + "_") for t in tables)
    for name in manifest.routes:
        assert isinstance(importlib.import_module(name).routes, list)
    for name in manifest.jobs:
        assert all(isinstance(j, Job) for j in importlib.import_module(name).JOBS)
    for name in manifest.demo:
        assert callable(importlib.import_module(name).load_demo)
    if manifest.cli:
        assert callable(importlib.import_module(manifest.cli).register)


def test_every_module_that_holds_jobs_or_routes_is_declared() -> None:
    """A `jobs.py` with JOBS or a `routes.py` with routes that no manifest names would never run
    (follow mails were once written but undeclared): every one is declared by its package."""
    declared = {
        name for m in modules.MODULES for name in m.routes + m.jobs
    }  # fmt: skip
    undeclared = []
    for manifest in modules.MODULES:
        for path in (PORTAL / manifest.name).rglob("*.py"):
            name = module_name(path)
            source = path.read_text(encoding="utf-8")
            holds_jobs = path.name == "jobs.py" and re.search(r"^JOBS\b", source, re.M)
            holds_routes = path.name == "routes.py" and re.search(r"^routes\b", source, re.M)
            if (holds_jobs or holds_routes) and name not in declared:
                undeclared.append(name)
    assert not undeclared, undeclared


def test_declaring_the_packages_imports_none_of_their_parts() -> None:
    """`portal --help` stays light: the list of packages loads no route, table or template."""
    code = (
        "import sys; import portal.modules; "
        "heavy = [m for m in sys.modules if m.endswith(('.routes', '.models', '.services'))]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_template_global_can_query() -> None:
    """Template globals are labels, formatting and constants: none gets the template's context
    (the only way to reach the request's database session), none comes from a route module."""
    modules.register_tables()
    from portal.web import templating

    templating.configure(modules.template_dirs(), modules.template_globals())
    env = environment()
    pure_homes = ("vocabulary", "permissions", "i18n", "templating", "text")
    for name, value in env.globals.items():
        if not callable(value) or isinstance(value, type) or inspect.isbuiltin(value):
            continue  # constants, and bound built-ins such as ContextVar.get
        if name in {"range", "dict", "lipsum", "cycler", "joiner", "namespace"}:
            continue  # Jinja's own
        assert getattr(value, "jinja_pass_arg", None) is None, f"{name} takes the context"
        assert not isinstance(value, jinja2.runtime.Macro)
        home = getattr(value, "__module__", "") or ""
        assert home.rsplit(".", 1)[-1] in pure_homes, f"template global {name} comes from {home}"


def test_no_test_module_imports_another() -> None:
    """Tests share builders through tests/factories.py and tests/helpers.py, never through another
    test module or a conftest (which holds fixtures only)."""
    tests = PORTAL.parent / "tests"
    offenders = []
    for path in tests.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                leaf = name.rsplit(".", 1)[-1]
                if (
                    name.startswith("tests.") and (leaf.startswith("test_") or leaf == "conftest")
                ) or name.startswith("tests.conftest"):
                    offenders.append(f"{path.relative_to(tests)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_only_the_one_click_unsubscribe_skips_csrf() -> None:
    """Every unsafe route checks CSRF, but the RFC 8058 unsubscribe a mail client posts to."""
    from portal.app import collect_routes

    modules.register_tables()
    exempt = {
        (r.path, tuple(sorted(r.methods or ())))
        for r in collect_routes()
        if getattr(r, "csrf_exempt", False)
    }
    assert exempt == {
        ("/follow/unsubscribe/{token}", ("POST",)),
        ("/council/alerts/unsubscribe/{token}", ("POST",)),
    }


def test_links_are_built_by_each_package_urls_module() -> None:
    """No hand-written f-string path outside a package's urls.py (the web layer's own static
    paths aside): an address changes in one place."""
    offenders = []
    for path in PORTAL.rglob("*.py"):
        if path.name == "urls.py" or path.parent.name == "web":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and str(first.value).startswith("/"):
                    offenders.append(f"{path.relative_to(PORTAL)}:{node.lineno}")
    assert not offenders, offenders
