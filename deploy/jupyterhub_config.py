"""JupyterHub configuration for the MBM assessment workbook (docs/deployment.md, "Behind JupyterHub").

This is the configuration that tests/system/test_hub.py runs (it loads this file, then puts a
test authenticator, a test spawner and free ports on top). Start the hub with
``jupyterhub -f deploy/jupyterhub_config.py`` from the workbook's environment, after
``pip install 'mbm-workbook[hub]'`` and ``npm install`` (configurable-http-proxy).

Settings from the environment of the hub:

* ``WORKBOOK_DB_URL`` (required): the shared database; passed to each person's server.
* ``WORKBOOK_HUB_URL``: where the hub's proxy listens (default ``http://127.0.0.1:8000``; behind
  a TLS reverse proxy, keep it on loopback).
* ``WORKBOOK_HUB_STATE``: folder for the hub's own database and cookie secret (default: the
  current folder); readable by the hub's user only.
* ``WORKBOOK_LANG``, ``WORKBOOK_HOME``, ``WORKBOOK_NOTEBOOKS``, ``WORKBOOK_TEMPLATES``,
  ``WORKBOOK_ATTACHMENTS``, ``WORKBOOK_ATTACHMENT_MAX_MB``: passed to each person's server.
"""
import os
import shutil
import sys
from pathlib import Path

from workbook import config as workbook_config

c = get_config()  # noqa: F821 - given by JupyterHub when it loads this file

if not os.environ.get("WORKBOOK_DB_URL"):
    sys.exit("deploy/jupyterhub_config.py: set WORKBOOK_DB_URL to the workbook's shared database")

state = Path(os.environ.get("WORKBOOK_HUB_STATE") or ".").resolve()
c.JupyterHub.bind_url = os.environ.get("WORKBOOK_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # the hub stops everyone's server when it stops
c.JupyterHub.cleanup_proxy = True

# The proxy comes from npm: on the PATH, or the project's node_modules (`npm install`).
proxy = (shutil.which("configurable-http-proxy")
         or workbook_config.PROJECT_ROOT / "node_modules" / ".bin" / "configurable-http-proxy")
c.ConfigurableHTTPProxy.command = [str(proxy)]

# Sign-in: any JupyterHub authenticator (PAM, LDAP, OAuth ...). A hub user reaches the workbook
# only if an active workbook account has the same name (`workbook users add NAME`), and sees
# only the assessments where that account has a role (`workbook roles grant`).
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.Authenticator.allow_all = True
# No hub administrators: their access to other people's servers would let them open those pages
# (workbook.hub refuses anyone but the server's owner all the same).
c.Authenticator.admin_users = set()

# Each person's server is the workbook's app alone (no JupyterLab, no terminals, no contents API),
# started for that person, listening on loopback behind the hub's proxy.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [sys.executable, "-m", "workbook.hub"]
c.Spawner.args = ["--preheat", "1"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/voila/render/home.ipynb"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.env_keep.extend(["WORKBOOK_DB_URL", "WORKBOOK_LANG", "WORKBOOK_HOME", "WORKBOOK_NOTEBOOKS",
                           "WORKBOOK_TEMPLATES", "WORKBOOK_ATTACHMENTS", "WORKBOOK_ATTACHMENT_MAX_MB"])
