"""JupyterHub's configuration for the class server (``jupyterhub -f`` this file; see course.services.hub).

Loopback only; every file of the hub's own in its private state folder; logins through the course's
native authenticator; servers through the course's spawner; idle servers culled by the hub's idle culler.
"""

# ruff: noqa: F821 - `c` is the config object JupyterHub gives this file
import os
import sys

from course.services.hub import INSTRUCTOR, Hub

hub = Hub()
hub_port, proxy_api_port = hub.ports()
state = hub.state

c.JupyterHub.bind_url = hub.url
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = hub_port
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub-hub.pid")
c.ConfigurableHTTPProxy.command = [os.environ["COURSE_HUB_PROXY"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = (state / "proxy.token").read_text().strip()
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # the hub stopped stops the servers, and with them the students' guards

c.JupyterHub.authenticator_class = "course.apps.classhub.CourseAuthenticator"
c.Authenticator.admin_users = {INSTRUCTOR}
c.Authenticator.allowed_users = {a.name for a in hub.accounts()}  # made hub users at start (the admin page lists them)
c.JupyterHub.spawner_class = "course.apps.classhub.CourseSpawner"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120  # two shared cores may be busy grading
c.Spawner.http_timeout = 120
c.Spawner.poll_interval = 10  # a server that died is seen within seconds: the student can start it again

idle = os.environ.get("COURSE_HUB_IDLE_TIMEOUT", "3600")
c.JupyterHub.services = [
    {"name": "course", "api_token": hub.api_token()},
    {"name": "idle-culler",
     "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle}", "--cull-every=60"]},
]
c.JupyterHub.load_roles = [
    {"name": "course", "services": ["course"],
     "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users", "read:users"]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]
