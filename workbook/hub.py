"""The workbook behind JupyterHub: ``python -m workbook.hub`` is each person's single-user server.

The hub signs people in (any JupyterHub authenticator) and starts, for each of them, this command
(``Spawner.cmd``; the configuration that was tested is ``deploy/jupyterhub_config.py``, see
docs/deployment.md). It runs the same locked-down Voila app as ``workbook serve``
(:mod:`workbook.serve`: pages only, no code from the browser, no files, limits), with three
differences:

* **Who may connect**: the hub's OAuth (``jupyterhub``'s own identity provider and authorizer for
  single-user servers), and of the people the hub lets in, only the owner of this server
  (:class:`OwnerOnly`): not even a hub administrator's ``access:servers`` lets one person act as
  another.
* **Who the pages act for**: accounts are always on (:data:`workbook.store.access.KERNEL_ACCOUNTS_ENV`
  is ``hub``). The hub's spawner puts the owner's hub name in the server's environment
  (``JUPYTERHUB_USER``), the kernels inherit it, and every store call acts for the workbook
  account of that name, which must exist and be active (``workbook users add``; roles with
  ``workbook roles grant``). Nothing a browser sends (a typed name, the address, a header, a
  widget value) reaches that variable.
* **The hub's API token** (``JUPYTERHUB_API_TOKEN``) is taken out of the environment before any
  kernel starts: only the sign-in uses it.
* **Where it listens**: the address and URL prefix the hub gives (``JUPYTERHUB_SERVICE_URL``,
  ``JUPYTERHUB_SERVICE_PREFIX``); loopback only, as for ``workbook serve`` without a token.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
from urllib.parse import urlparse

from . import serve
from .errors import WorkbookError
from .store import access

#: What the hub's spawner must set for a single-user server (JupyterHub 2 and later).
HUB_ENV = (access.HUB_USER_ENV, "JUPYTERHUB_SERVICE_URL", "JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL",
           "JUPYTERHUB_CLIENT_ID", "JUPYTERHUB_OAUTH_CALLBACK_URL")
#: Paths of the hub's identity provider, which Voila adds without its URL prefix.
_PROVIDER_PATHS = ("/logout", "/oauth_callback")


class HubError(WorkbookError):
    """The single-user server was not started by a hub, or not as it must be."""


def listen_address(environ=None) -> tuple[str, int, str]:
    """``(host, port, prefix)`` the hub told this server to use; :class:`HubError` if it did not."""
    env = os.environ if environ is None else environ
    missing = [name for name in HUB_ENV if not env.get(name)]
    if missing:
        raise HubError(f"workbook.hub is a JupyterHub single-user server (Spawner.cmd); it needs the hub's "
                       f"environment, and {', '.join(missing)} is not set")
    url = urlparse(env["JUPYTERHUB_SERVICE_URL"])
    if url.scheme != "http" or not url.hostname or not url.port:
        raise HubError(f"JUPYTERHUB_SERVICE_URL {env['JUPYTERHUB_SERVICE_URL']!r}: expected http://HOST:PORT/ "
                       "(set Spawner.ip and let the hub choose the port)")
    if not serve.is_loopback(url.hostname):
        raise HubError(f"JUPYTERHUB_SERVICE_URL: {url.hostname} is not a loopback address; the single-user "
                       "server must listen on loopback, behind the hub's proxy (Spawner.ip = '127.0.0.1')")
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX") or "/"
    if not prefix.startswith("/") or not prefix.endswith("/"):
        raise HubError(f"JUPYTERHUB_SERVICE_PREFIX {prefix!r}: expected /user/NAME/")
    return url.hostname, url.port, prefix


def voila_arguments(host: str, port: int, prefix: str, *, preheat: int = serve.DEFAULT_PREHEAT,
                    fork: bool = True, builder: bool = True) -> list[str]:
    """The Voila options of ``workbook serve`` (:func:`workbook.serve.voila_command`) with the hub's
    address, prefix and sign-in."""
    cmd = serve.voila_command(host, port, preheat=preheat, fork=fork, builder=builder)
    assert cmd[1:3] == ["-m", "workbook.serve"], cmd[:3]
    return cmd[3:] + [
        f"--Voila.base_url={prefix}",
        "--Voila.identity_provider_class=workbook.hub.OwnerOnly",
        "--Voila.authorizer_class=jupyterhub.singleuser.extension.JupyterHubAuthorizer",
    ]


@functools.cache
def _owner_only_class():
    from jupyterhub.singleuser.extension import JupyterHubIdentityProvider
    from tornado import web

    class OwnerOnly(JupyterHubIdentityProvider):
        """The hub's sign-in, for the owner of this server only (``JUPYTERHUB_USER``)."""

        async def get_user(self, handler):
            user = await super().get_user(handler)
            owner = os.environ.get(access.HUB_USER_ENV, "")
            if user is not None and (not owner or user.username != owner):
                self.log.warning("refused hub user %r on the server of %r", user.username, owner)
                raise web.HTTPError(403, "this is another person's workbook server")
            return user

    return OwnerOnly


def _app_class():
    from jupyter_server.utils import url_path_join

    base = serve._voila_app_class()

    class HubVoila(base):
        """``workbook serve``'s Voila app with the hub's sign-in handlers under the URL prefix, and
        the hub's API token for the sign-in only: out of the environment the kernels inherit."""

        def initialize(self, argv=None):
            super().initialize(argv)  # clears every identity setting it inherited: only the server says
            # Behind the hub, accounts are the hub's: the kernels read the hub's user name (HUB_USER_ENV,
            # set by the spawner) and never a signed token from a request.
            os.environ[access.KERNEL_ACCOUNTS_ENV] = "hub"
            # Before start() makes the sign-in, the zygote and the first kernel: the token goes to
            # the hub's OAuth client through the configuration (never a command line).
            token = os.environ.pop("JUPYTERHUB_API_TOKEN", "")
            os.environ.pop("JPY_API_TOKEN", None)  # the same token under its old name
            self.config.HubOAuth.api_token = token

        def init_handlers(self):
            return [(url_path_join(self.base_url, h[0]), *h[1:]) if h[0] in _PROVIDER_PATHS else h
                    for h in super().init_handlers()]

    return HubVoila


def __getattr__(name: str):
    # Voila imports the identity provider by name (--Voila.identity_provider_class=workbook.hub.OwnerOnly);
    # built on first use, as jupyterhub is an optional dependency.
    if name == "OwnerOnly":
        return _owner_only_class()
    raise AttributeError(name)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m workbook.hub",
                                     description="A person's workbook server, started by JupyterHub.")
    parser.add_argument("--preheat", type=int, default=serve.DEFAULT_PREHEAT, metavar="N",
                        help=f"kernels kept ready per pillar page (default {serve.DEFAULT_PREHEAT}; 0: none)")
    parser.add_argument("--no-fork", dest="fork", action="store_false", help="start each kernel the normal way")
    parser.add_argument("--no-builder", dest="builder", action="store_false",
                        help="build reports in the pages' kernels, not in a warm builder")
    args = parser.parse_args(argv)
    if not 0 <= args.preheat <= 8:
        parser.error("--preheat: expected 0 to 8")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        host, port, prefix = listen_address()
        import jupyterhub  # noqa: F401 - the sign-in comes from it
    except HubError as exc:
        print(f"workbook.hub: {exc}", file=sys.stderr)
        return 2
    except ImportError:
        print("workbook.hub: jupyterhub is not installed (pip install 'mbm-workbook[hub]')", file=sys.stderr)
        return 2
    env = serve.voila_env(base=os.environ, host=host)
    env[access.KERNEL_ACCOUNTS_ENV] = "hub"
    env.pop(access.IDENTITY_ENV, None)
    env.pop(access.KERNEL_KEY_ENV, None)
    os.environ.clear()
    os.environ.update(env)  # kernels inherit it: the hub's user name, accounts on, the database
    _app_class().launch_instance(voila_arguments(host, port, prefix, preheat=args.preheat, fork=args.fork,
                                                 builder=args.builder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
