"""`course setup`: bring up everything the course needs, reusing what is there."""

from __future__ import annotations

from collections.abc import Iterator


def ensure_all(vm: bool = True) -> Iterator[str]:
    """Start the engine, build the images (and the VM assets); yield one line per part."""
    from course.engine import bootstrap, client
    from course.images import ensure_image

    yield f"engine: {bootstrap.ensure_engine()}"
    ref, built = ensure_image(client())
    yield f"image {ref}: {'built' if built else 'up to date'}"
    from course.services import registry

    yield f"registry: {registry.start_registry()}"  # graded kernels push to it but cannot start it
    from course.grading import view
    from course.services import broker, database
    from course.system import apt

    # The tool for graded kernels' allow-list view; the queue's broker and the shared gradebook.
    installed = apt.ensure_packages([view.PACKAGE, *broker.PACKAGES, *database.PACKAGES])
    yield f"packages (view, queue, gradebook): {'installed ' + ', '.join(installed) if installed else 'present'}"
    if vm:
        try:
            from course import vm as course_vm
        except ImportError:
            return
        yield f"vm: {course_vm.ensure_assets()}"
