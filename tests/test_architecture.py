"""The house's shape, checked: no import cycles in ``bot`` and ``storage`` (imports inside
functions count; those under ``if TYPE_CHECKING:`` do not), and every import goes the way the
layers allow (README, Layout: dependencies point inward)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "storage")
MAX_LINES = 450

# Who may import whom, by layer. A module belongs to the first layer whose prefix it has; a
# layer lists the layers it may import (its own always allowed).
LAYERS: dict[str, tuple[str, ...]] = {
    "storage": ("storage",),
    "bot.porting": ("bot.porting", "storage.values"),
    "bot.wording": ("bot.wording", "bot.porting", "storage"),
    "bot.documents": ("bot.documents", "bot.porting"),
    "bot.loa.content": ("bot.porting", "bot.wording", "storage"),
    "bot.loa.templates": (
        *("bot.loa.templates", "bot.loa.content", "bot.porting", "bot.wording", "storage"),
    ),
    "bot.loa.pdf": ("bot.loa.content", "bot.loa.templates", "bot.porting", "bot.wording"),
    "bot.services": (
        "bot.services",
        "bot.porting",
        "bot.wording",
        "bot.documents",
        "bot.loa.content",
        "bot.loa.pdf",
        "bot.loa.templates",
        "storage",
    ),
    "bot.config": ("bot.config", "bot.porting", "storage"),
    "bot.context": ("bot.config", "bot.services", "storage"),
    "bot.delivery": ("bot.delivery", "bot.services", "bot.porting", "bot.wording", "storage"),
    # adapters: each talks to one outside party and never imports another adapter
    "bot.slack": (*("bot.slack", "bot.services", "bot.porting", "bot.wording"), *("storage",)),
    "bot.zendesk": ("bot.zendesk", "bot.services", "bot.porting", "bot.wording", "storage"),
    "bot.loa": ("bot.loa", "bot.services", "bot.porting", "bot.wording", "storage"),
    "bot.bandwidth": ("bot.bandwidth", "bot.services", "bot.porting", "bot.wording", "storage"),
    "bot.sidebar": ("bot.sidebar", "bot.services", "bot.porting", "bot.wording", "storage"),
    # the Zendesk app package: pure, settings in and files out
    "bot.zendesk_app": ("bot.zendesk_app", "bot.config", "bot.porting", "bot.wording"),
    "bot.web": (
        *("bot.web", "bot.slack", "bot.zendesk", "bot.loa", "bot.bandwidth", "bot.services"),
        *("bot.sidebar", "storage"),
    ),
    "bot.server": ("bot",),
    "bot.cli": ("bot", "storage"),
    "bot.__main__": ("bot",),
    "bot.sandbox": ("bot", "storage"),
    "bot.trace": ("bot.trace",),  # a leaf that every layer may use (LEAVES)
    "bot": ("bot",),  # the package itself (version)
}
# Modules every layer may import: they import nothing of ours.
LEAVES = ("bot.trace",)
# What every adapter and the delivery loops may use besides their own layer.
SHARED = ("bot.config", "bot.documents", "bot.delivery.outbox", "bot.http_limits", "bot")
ADAPTERS = (
    *("bot.slack", "bot.zendesk", "bot.loa", "bot.bandwidth", "bot.sidebar", "bot.delivery"),
    "bot.web",
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _under_type_checking(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(sub) for sub in ast.walk(node))
    return skip


def imports_of(name: str) -> Iterator[tuple[str, int]]:
    """(imported module of ours, line) for every import in module ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _under_type_checking(tree)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (target := _resolve(alias.name)) is not None:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here[: len(here) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                target = _resolve(full) if full in MODULES else _resolve(base)
                if target is not None:
                    yield target, node.lineno


GRAPH = {name: {t for t, _ in imports_of(name) if t != name} for name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> str:
    return max((p for p in LAYERS if _within(module, p)), key=len)


def allowed(source: str, target: str) -> bool:
    layer = layer_of(source)
    if _within(target, "bot.sandbox") or _within(target, "bot.cli"):
        return layer in ("bot.sandbox", "bot.cli", "bot.__main__")
    if any(_within(target, p) for p in (*LAYERS[layer], *LEAVES)):
        return True
    shared = any(_within(layer, a) for a in ADAPTERS) or layer == "bot.delivery"
    return shared and (target in SHARED or any(_within(target, s) for s in SHARED[:-1]))


def test_the_graph_is_read_from_every_module():
    assert {"bot.server", "bot.porting.lifecycle", "storage.models"} <= set(MODULES)
    assert "bot.services.base" in GRAPH["bot.services.carrier"]


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_cycles():
    """The check above could not fail if this did not."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_imports_follow_the_layers():
    broken = [
        f"{source} imports {target} (line {line})"
        for source in sorted(MODULES)
        for target, line in imports_of(source)
        if target != source and not allowed(source, target)
    ]
    assert broken == []


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [
        ("bot.porting.lifecycle", "storage.values", True),
        ("bot.porting.lifecycle", "storage.models", False),
        ("bot.services.base", "bot.slack.ids", False),
        ("bot.zendesk.mapping", "bot.slack.blocks.text", False),
        ("bot.sidebar.web", "bot.zendesk.gateway", False),
        ("bot.sidebar.web", "bot.http_limits", True),
        ("bot.web", "bot.sidebar.web", True),
        ("bot.slack.delivery", "bot.delivery.outbox", True),
        ("bot.delivery.reminders", "bot.slack.delivery", False),
        ("bot.slack.deferral", "bot.server", False),
        ("storage.db", "bot.config", False),
        ("bot.server", "bot.slack.app", True),
        ("bot.web", "bot.sandbox.demo", False),
        ("bot.services.effects", "bot.trace", True),
        ("bot.porting.lifecycle", "bot.trace", True),
        ("bot.trace", "bot.config", False),
    ],
)
def test_the_layer_rules_say_what_they_mean(source, target, ok):
    assert allowed(source, target) is ok


def test_no_module_is_too_long_to_read():
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
