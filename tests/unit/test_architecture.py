"""The package tree is the architecture: each layer imports only the layers below it, so no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import course

PACKAGE = Path(course.__file__).parent
#: Bottom to top, as course/__init__.py draws them; a part may import its own layer and those below.
LAYERS = [
    {"config", "system", "i18n"},
    {"layout", "engine", "images", "vm"},
    {"guard"},
    {"services"},
    {"lab"},
    {"checks"},
    {"material"},
    {"grading"},
    {"apps"},
]
LEVEL = {part: i for i, parts in enumerate(LAYERS) for part in parts}


def _part(module: str) -> str | None:
    """``course.grading.parallel`` -> ``grading``; None outside the package or for ``course`` itself."""
    bits = module.split(".")
    return bits[1] if bits[0] == "course" and len(bits) > 1 else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every course module a file imports, at any depth (function-level imports count too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "course":  # from course import lab, config: each name is a part
                found += [(node.lineno, f"course.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_every_part_of_the_package_has_a_layer():
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert parts == set(LEVEL), "add the new part to LAYERS (and to the drawing in course/__init__.py)"


def test_nothing_imports_upward():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel == Path("__init__.py"):
            continue  # the thin re-export of moved notebook modules, loaded on use
        mine = rel.parts[0].removesuffix(".py")
        for line, module in _imports(path):
            theirs = _part(module)
            if theirs in LEVEL and LEVEL[theirs] > LEVEL[mine]:
                upward.append(f"{rel}:{line} ({mine}) imports {module} ({theirs})")
    assert not upward, "\n".join(upward)


def test_the_drawing_names_every_part():
    drawing = course.__doc__
    missing = [part for part in LEVEL if f"{part}/" not in drawing and f"{part}.py" not in drawing]
    assert not missing, f"course/__init__.py does not draw {missing}"


def test_notebook_imports_of_moved_modules_still_work():
    from course import dockerfiles, figures, lab, portability, rawapi, registry  # noqa: F401

    assert figures.__name__ == "course.lab.figures" and registry.__name__ == "course.services.registry"
    assert portability.copy_image and portability.second_engine
