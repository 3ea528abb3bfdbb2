"""Services the course runs beside the Docker Engine, each started and stopped by recorded pid.

- :mod:`.registry`: Debian's docker-registry, the course's "Docker Hub", on a root-only socket behind
  :mod:`.registry_front` on 127.0.0.1:5000, which shows each user only their own repositories;
- :mod:`.second_engine`: a second, separate dockerd ("another machine"), shared by leases,
  and put behind a guard for sandboxed kernels;
- :mod:`.broker`: Debian's redis-server on 127.0.0.1:6390, the grading queue's broker;
- :mod:`.database`: Debian's PostgreSQL on 127.0.0.1:5439, a gradebook several processes share;
- :mod:`.hub`: the class server, JupyterHub on 127.0.0.1:8000 with its configurable-http-proxy.
"""
