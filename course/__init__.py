"""VMs and Docker, by doing: the course's engine access, images, VM runner and grading."""

__version__ = "0.1.0"
