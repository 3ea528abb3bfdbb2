"""Course images, built offline from Dockerfiles in this package. Nothing is pulled."""

from course.images.build import BASE, ImageSpec, ensure_image, image_ref

__all__ = ["BASE", "ImageSpec", "ensure_image", "image_ref"]
