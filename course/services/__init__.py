"""Services the course runs beside the Docker Engine, each started and stopped by recorded pid.

- :mod:`.registry`: Debian's docker-registry on 127.0.0.1:5000, the course's "Docker Hub";
- :mod:`.second_engine`: a second, separate dockerd ("another machine"), shared by leases,
  and put behind a guard for sandboxed kernels.
"""
