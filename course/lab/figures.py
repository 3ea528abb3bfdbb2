"""Pictures for the lessons, drawn with matplotlib (so they render offline, in any notebook)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

COLORS = {"hardware": "#6c757d", "host": "#495057", "hyper": "#c0392b", "guest": "#e67e22",
          "engine": "#2a6f97", "libs": "#7fb069", "app": "#f4d35e"}


def _box(ax, x: float, y: float, w: float, h: float, text: str, kind: str) -> None:
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=COLORS[kind], edgecolor="white", linewidth=2))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=9,
            color="black" if kind in ("app", "libs") else "white")


def stacks() -> Figure:
    """The note's figure: a VM stack (left) beside a Docker stack (right), bottom to top."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, title in ((left, "Virtual machines"), (right, "Containers (Docker)")):
        ax.set_xlim(0, 6)
        ax.set_ylim(0, 7)
        ax.axis("off")
        ax.set_title(title, fontsize=12, fontweight="bold")
        _box(ax, 0, 0, 6, 0.9, "Hardware (CPU, memory, disk)", "hardware")
        _box(ax, 0, 1, 6, 0.9, "Host OS (its kernel)", "host")
    _box(left, 0, 2, 6, 0.9, "Hypervisor (VMware, VirtualBox, QEMU/KVM)", "hyper")
    for i in range(3):
        x = 0.05 + i * 2
        _box(left, x, 3, 1.9, 1.2, "Guest OS\n(own kernel)", "guest")
        _box(left, x, 4.3, 1.9, 0.9, "Bins/Libs", "libs")
        _box(left, x, 5.3, 1.9, 0.9, f"App {'ABC'[i]}", "app")
    _box(right, 0, 2, 6, 0.9, "Docker Engine (shares the host kernel)", "engine")
    for i in range(3):
        x = 0.05 + i * 2
        _box(right, x, 3, 1.9, 0.9, "Bins/Libs", "libs")
        _box(right, x, 4, 1.9, 0.9, f"App {'ABC'[i]}", "app")
    fig.tight_layout()
    return fig


def medians_chart(summary, title: str = "VM vs container (medians)") -> Figure:
    """Bar charts of each measured quantity for the two kinds, on log scales (they differ by 10-1000x)."""
    cols = [c for c in ("start_s", "memory_mb", "disk_mb") if c in summary.columns]
    fig, axes = plt.subplots(1, len(cols), figsize=(4 * len(cols), 3.2), squeeze=False)
    for ax, col in zip(axes[0], cols, strict=True):
        ax.bar(summary.index.astype(str), summary[col], color=["#2a6f97", "#c0392b"][: len(summary)])
        ax.set_yscale("log")
        ax.set_title(col)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
