"""`course setup`: bring up everything the course needs, reusing what is there.

The Debian packages and the VM's kernel and initramfs need only Python's standard library:
``python3 -m course.apps.setup`` does them with the system's interpreter, so that ``make``
runs them beside the venv's ``pip install`` (``make setup-system``). `course setup` then starts
the engine, and builds the images while the registry starts and the VM assets are checked.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed


def debian_packages(vm: bool = True) -> list[str]:
    """Every Debian package the course installs (each listed once, by the module that uses it)."""
    from course import config
    from course.grading import view
    from course.services import broker, database

    packages = [config.ENGINE_PACKAGE, config.REGISTRY_PACKAGE, view.PACKAGE, *broker.PACKAGES, *database.PACKAGES]
    if vm:
        from course import vm as course_vm

        packages += course_vm.PACKAGES
    return packages


def ensure_packages(vm: bool = True) -> str:
    """Install the missing Debian packages; one line saying what was done."""
    from course.system import apt

    installed = apt.ensure_packages(debian_packages(vm))
    return f"{'installed ' + ', '.join(installed) if installed else 'present'}"


def vm_assets() -> str:
    """The VM's kernel and both initramfs, unpacked and built into the cache if missing (standard library only)."""
    from course import vm as course_vm

    assets = course_vm.ensure_assets(install=False)
    return f"kernel {assets.kernel.release}, {assets.initramfs.name}, {assets.disk_initramfs.name}"


def ensure_system(vm: bool = True) -> Iterator[str]:
    """The Debian packages, then the VM assets (standard library only); one line per part."""
    yield f"packages: {ensure_packages(vm)}"
    if vm:
        yield f"vm: {vm_assets()}"


def _concurrently(steps: dict[str, Callable[[], str]]) -> Iterator[str]:
    """Run independent set-up steps in threads (they wait on dockerd, apt or the disk more than on
    the CPU), with a progress bar naming those still running; then ``name: result`` for each, as they ended."""
    from tqdm.auto import tqdm

    lines = []
    with ThreadPoolExecutor(len(steps)) as pool, tqdm(total=len(steps), desc="set-up", unit="step",
                                                       leave=False) as bar:
        running = {pool.submit(step): name for name, step in steps.items()}
        bar.set_postfix_str(", ".join(running.values()))
        for done in as_completed(list(running)):
            name = running.pop(done)
            lines.append(f"{name}: {done.result()}")
            bar.update(1)
            bar.set_postfix_str(", ".join(running.values()))
    yield from lines


def ensure_all(vm: bool = True) -> Iterator[str]:
    """Packages, the engine, then the images, the registry and the VM assets side by side; one line per part."""
    from course.engine import bootstrap, client
    from course.images import ensure_image
    from course.services import registry

    yield f"packages: {ensure_packages(vm)}"
    yield f"engine: {bootstrap.ensure_engine()}"

    def image() -> str:
        ref, built = ensure_image(client())
        return f"{ref} {'built' if built else 'up to date'}"

    # Graded kernels push to the registry but cannot start it; they read the VM assets but cannot build them.
    steps = {"image": image, "registry": registry.start_registry}
    yield from _concurrently({**steps, "vm": vm_assets} if vm else steps)


def main() -> int:
    """`make setup-system`, with the system's python3, before the venv exists."""
    from course.system.apt import SetupError
    from course.vm.errors import VMAssetsError

    try:
        for line in ensure_system(vm="--no-vm" not in sys.argv):
            print(line, flush=True)
    except (SetupError, VMAssetsError) as exc:
        print(f"course set-up: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
