"""The course map: order, objectives, seed points and time of every lesson, from the material."""

from __future__ import annotations

import re
from pathlib import Path

from course import authoring, config, material

SEED = {
    "S1": "Virtual machine", "S2": "Docker", "S3": "Container", "S4": "VM vs Docker",
    "S5": "Why use Docker", "S6": "Docker image and Docker Hub", "S7": "Dockerfile",
    "S8": "Installing and running Docker",
}


def objectives(module) -> list[str]:
    """The bullet points under the lesson's "## Objectives" heading."""
    text = module.CELLS[0].source
    section = text.split("## Objectives", 1)[-1]
    return [re.sub(r"\s+", " ", b).strip() for b in re.findall(r"^- (.+(?:\n  .+)*)", section, re.MULTILINE)]


def live_cells(module) -> dict[str, list[str]]:
    """Seed point -> grade ids of the lesson's live cells (``sN-live-...``)."""
    out: dict[str, list[str]] = {}
    for cell in module.CELLS:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and (m := re.match(r"s(\d)-live", gid)):
            out.setdefault(f"S{m.group(1)}", []).append(gid)
    return out


def table_markdown() -> str:
    """The map as a markdown table."""
    rows = ["| # | assignment | seed points | time | you will be able to |", "|---|---|---|---|---|"]
    for i, m in enumerate(material.modules(), 1):
        goals = "<br>".join(objectives(m)).replace("|", "\\|")  # a pipe would end the table cell
        rows.append(f"| {i} | **{m.TITLE}** (`{m.ASSIGNMENT}`) | {', '.join(m.SEED_POINTS)} | {m.MINUTES} min | {goals} |")
    return "\n".join(rows)


def write_index(path: Path = config.ROOT / "release" / "index.ipynb") -> Path:
    """The course map notebook students open first."""
    total = sum(m.MINUTES for m in material.modules())
    seeds = "\n".join(f"- **{code}** {name}" for code, name in SEED.items())
    authoring.notebook([
        authoring.md(f"""
# Virtual machines and Docker, by doing: the course map

Work through the assignments in this order (about {total} minutes in all). Each one opens
with its objectives, pairs every idea with a live cell on a real Docker Engine or a real
virtual machine, and ends with exercises that are graded automatically, and key points.

{table_markdown()}

The points of the course's source note:

{seeds}
"""),
    ], path)
    return path


def update_readme(path: Path = config.ROOT / "README.md") -> Path:
    """Rewrite the course map between the README's ``<!-- course-map -->`` markers."""
    text = path.read_text()
    head, rest = text.split("<!-- course-map -->", 1)
    _, tail = rest.split("<!-- /course-map -->", 1)
    path.write_text(f"{head}<!-- course-map -->\n{table_markdown()}\n<!-- /course-map -->{tail}")
    return path
