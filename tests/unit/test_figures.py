"""The lessons' diagrams draw offline (matplotlib, no network) and say what the lessons say."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from course.lab import figures


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("name", figures.DIAGRAMS)
def test_diagram_draws(name):
    fig = getattr(figures, name)()
    assert fig.axes and _texts(fig)
    fig.canvas.draw()


def test_request_path_goes_down_from_client_to_kernel():
    order = ["docker CLI", "unix socket", "guard", "dockerd", "containerd", "runc", "Linux kernel"]
    texts = _texts(figures.request_path())
    firsts = [next(i for i, t in enumerate(texts) if t.startswith(w) or w in t) for w in order]
    assert firsts == sorted(firsts)


def test_stacks_draws_both_hypervisor_types_and_the_engine_beside_the_containers():
    fig = figures.stacks()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["VMs, type 1 (bare metal)", "VMs, type 2 (hosted)", "Containers (Docker)"]
    box = fig.axes[2]
    engine = next(t for t in box.texts if t.get_text().startswith("Docker Engine"))
    apps = [t for t in box.texts if t.get_text().startswith("App ")]
    assert engine.get_position()[0] > max(t.get_position()[0] for t in apps)  # beside, not beneath


def test_load_balancer_draws_the_replicas_asked_for():
    texts = _texts(figures.load_balancer(replicas=3))
    assert sum(t.startswith("replica ") for t in texts) == 3
