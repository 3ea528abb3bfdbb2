"""Pictures for the lessons, drawn with matplotlib (so they render offline, in any notebook)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

COLORS = {"hardware": "#6c757d", "host": "#495057", "hyper": "#c0392b", "guest": "#e67e22",
          "engine": "#2a6f97", "libs": "#7fb069", "app": "#f4d35e", "client": "#8e6c8a",
          "layer": "#9db4c0", "write": "#e9c46a", "kernel": "#343a40"}
_DARK_TEXT = ("app", "libs", "layer", "write")


def _box(ax, x: float, y: float, w: float, h: float, text: str, kind: str, fontsize: float = 9,
         dashed: bool = False) -> None:
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=COLORS[kind], edgecolor="black" if dashed else "white",
                                linewidth=1.5 if dashed else 2, linestyle="--" if dashed else "-"))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fontsize,
            color="black" if kind in _DARK_TEXT else "white")


def _arrow(ax, start: tuple[float, float], end: tuple[float, float], label: str = "", dashed: bool = False,
           side: str = "right") -> None:
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "#333", "lw": 1.4, "linestyle": "--" if dashed else "-"})
    if label:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(mx + (0.12 if side == "right" else -0.12), my, label, fontsize=8, style="italic", color="#333",
                ha="left" if side == "right" else "right", va="center")


def _canvas(ax, width: float, height: float, title: str = "") -> None:
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11, fontweight="bold")


def _guests(ax, y: float, with_os: bool) -> None:
    """Three apps, each on its libraries (and on its own guest OS in a VM), from height ``y`` up."""
    for i in range(3):
        x = 0.05 + i * 2
        top = y
        if with_os:
            _box(ax, x, top, 1.9, 1.1, "Guest OS\n(own kernel)", "guest")
            top += 1.2
        _box(ax, x, top, 1.9, 0.8, "Bins/Libs", "libs")
        _box(ax, x, top + 0.9, 1.9, 0.8, f"App {'ABC'[i]}", "app")


def stacks() -> Figure:
    """The note's figure, VMs left and Docker right: type 1 and type 2 hypervisors, then containers.

    The engine is drawn beside the container stack, not under it: it sets containers up
    (namespaces, cgroups, a root filesystem) and then the apps' system calls go straight to the
    host kernel, while a guest's go to its own kernel on virtual hardware.
    """
    fig, (bare, hosted, box) = plt.subplots(1, 3, figsize=(15, 4.6))
    _canvas(bare, 6, 7, "VMs, type 1 (bare metal)")
    _box(bare, 0, 0, 6, 0.9, "Hardware (CPU with VT-x / AMD-V, memory, disk)", "hardware")
    _box(bare, 0, 1, 6, 0.9, "Hypervisor: ESXi, Xen, Hyper-V, or Linux with KVM", "hyper")
    _guests(bare, 2.0, with_os=True)
    bare.text(3, 6.3, "KVM: the hypervisor is in the Linux kernel;\nQEMU gives each VM its devices",
              ha="center", fontsize=8, style="italic")

    _canvas(hosted, 6, 7, "VMs, type 2 (hosted)")
    _box(hosted, 0, 0, 6, 0.9, "Hardware", "hardware")
    _box(hosted, 0, 1, 6, 0.9, "Host OS (its kernel)", "host")
    _box(hosted, 0, 2, 6, 0.9, "Hypervisor app: VirtualBox, VMware Workstation, QEMU (TCG)", "hyper",
         fontsize=8)
    _guests(hosted, 3.0, with_os=True)

    _canvas(box, 7.6, 7, "Containers (Docker)")
    _box(box, 0, 0, 7.6, 0.9, "Hardware", "hardware")
    _box(box, 0, 1, 7.6, 0.9, "Host OS kernel (shared: namespaces, cgroups)", "host")
    _guests(box, 2.0, with_os=False)
    # The engine is a process on the same kernel, beside the containers: it sets them up, then
    # their system calls go straight to the kernel, not through it.
    _box(box, 6.2, 2.0, 1.4, 1.7, "Docker Engine\n(a process;\nsets up\ncontainers)", "engine", fontsize=8)
    _arrow(box, (6.2, 3.3), (5.95, 3.3), dashed=True)
    fig.tight_layout()
    return fig


#: A request's way down, as the course runs it: (who, what it does, how it speaks to the next).
REQUEST_PATH = (
    ("docker CLI or docker-py (your notebook)", "client", "HTTP request: POST /containers/create"),
    ("unix socket (/var/run/docker.sock, or the guard's)", "hardware", "the same HTTP bytes"),
    ("course guard: checks the request, adds labels and limits", "hyper", "HTTP to the real socket"),
    ("dockerd: the Engine API, images, networks, volumes", "engine", "gRPC"),
    ("containerd: container lifecycle; a shim per container", "engine", "OCI runtime spec (config.json)"),
    ("runc: creates namespaces and cgroups, execs PID 1, exits", "engine", "system calls: clone, unshare, mount"),
    ("Linux kernel: namespaces, cgroups, overlayfs, the process", "kernel", ""),
)


def request_path() -> Figure:
    """``docker run`` from the client down to the kernel: every hop and how it speaks to the next."""
    fig, ax = plt.subplots(figsize=(9, 6.4))
    steps = len(REQUEST_PATH)
    _canvas(ax, 10, steps * 1.1)
    for i, (who, kind, how) in enumerate(REQUEST_PATH):
        y = (steps - 1 - i) * 1.1
        _box(ax, 0.2, y + 0.1, 5.6, 0.75, who, kind, fontsize=8.5)
        if how:
            _arrow(ax, (3.0, y + 0.1), (3.0, y - 0.25), how)
    ax.plot([0, 10], [1.0, 1.0], color="#c0392b", lw=1, ls=":")
    ax.text(9.9, 1.05, "user space", ha="right", va="bottom", fontsize=8, color="#c0392b")
    ax.text(9.9, 0.95, "kernel", ha="right", va="top", fontsize=8, color="#c0392b")
    ax.set_title("The path of a request: docker run", fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


def image_layers(layers: tuple[str, ...] = ("busybox files (FROM scratch + COPY)", "COPY app.sh /srv/app/",
                                            "WORKDIR /srv/app (empty layer)", "CMD, LABEL: config only, no layer"),
                 containers: int = 2) -> Figure:
    """An image's read-only layers shared by ``containers`` containers, each with its own writable layer,
    and how overlay2 joins them (lowerdir, upperdir, merged). ``layers`` bottom first."""
    fig, ax = plt.subplots(figsize=(11, 5))
    _canvas(ax, 11, 2.2 + len(layers) * 0.8)
    top = 0.2 + len(layers) * 0.8
    for i, text in enumerate(layers):
        config_only = "no layer" in text
        _box(ax, 0.2, 0.2 + i * 0.8, 6.4, 0.65, text, "layer", fontsize=8.5, dashed=config_only)
    ax.text(6.8, 0.2 + len(layers) * 0.4, "image: read-only layers\n(shared, stored once)\n= overlay2 lowerdir",
            fontsize=8.5, va="center")
    width = 6.4 / containers
    for c in range(containers):
        x = 0.2 + c * width
        _box(ax, x + 0.05, top + 0.1, width - 0.1, 0.65, f"container {c + 1}: writable layer", "write", fontsize=8)
        _box(ax, x + 0.05, top + 0.85, width - 0.1, 0.55, f"merged view of container {c + 1}", "app", fontsize=8)
    ax.text(6.8, top + 0.42, "upperdir: each container's own writes\n(copy-up on first change; gone with it)",
            fontsize=8.5, va="center")
    ax.text(6.8, top + 1.12, "merged: what the container sees as /", fontsize=8.5, va="center")
    ax.set_title("Image layers and a container's writable layer (overlay2)", fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


def load_balancer(replicas: int = 4) -> Figure:
    """Clients, one entry point and ``replicas`` containers of one image behind it, on a course network."""
    fig, ax = plt.subplots(figsize=(10, 4.4))
    _canvas(ax, 10, 5)
    _box(ax, 0.2, 1.9, 1.6, 1.2, "clients\n(requests)", "client")
    _box(ax, 2.8, 1.9, 2.0, 1.2, "load balancer\n(one published port)", "hyper")
    _arrow(ax, (1.8, 2.5), (2.8, 2.5))
    gap = 4.6 / replicas
    for i in range(replicas):
        y = 0.2 + i * gap
        _box(ax, 6.2, y, 2.4, min(0.8, gap - 0.15), f"replica {i + 1} (same image)", "app", fontsize=8.5)
        _arrow(ax, (4.8, 2.5), (6.2, y + min(0.4, (gap - 0.15) / 2)))
    ax.plot([5.9, 5.9, 9.8, 9.8, 5.9], [0.05, 4.9, 4.9, 0.05, 0.05], color="#2a6f97", ls="--", lw=1)
    ax.text(9.7, 0.15, "a network the course made", ha="right", fontsize=8, color="#2a6f97")
    ax.set_title("Scale out: more replicas of one image behind one entry point", fontsize=11, fontweight="bold")
    fig.tight_layout()
    return fig


#: The diagrams lessons draw; the browser test renders each from the lesson cell that calls it.
DIAGRAMS = ("stacks", "request_path", "image_layers", "load_balancer")


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
