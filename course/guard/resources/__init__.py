"""The guard's policy, one module per resource: its rules and, beside them, its handlers.

Each module holds a resource's pure rules (``check_*``: decoded body or query in,
rewritten body or :class:`~course.guard.errors.Refused` out, plus the
:class:`~course.guard.resources.base.Needs` the proxy checks against the engine) and a
mixin of its endpoint handlers, composed into :class:`course.guard.handlers.Handlers`:

* :mod:`~course.guard.resources.containers`: create and update bodies, caps, mounts,
  network mode, published ports, endpoints; the container endpoints.
* :mod:`~course.guard.resources.exec`: exec bodies; exec create, start and inspect.
* :mod:`~course.guard.resources.images`: image references, tags, build parameters;
  the image and build endpoints.
* :mod:`~course.guard.resources.networks`: network create; the network endpoints.
* :mod:`~course.guard.resources.volumes`: volume create; the volume endpoints.
* :mod:`~course.guard.resources.filters`: list filters forced to the owner; events, prunes.
* :mod:`~course.guard.resources.base`: what they share (``Forward``, ``Reply``, ``Needs``,
  forced labels).
"""
