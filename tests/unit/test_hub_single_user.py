"""workbook.hub without a hub: what it needs from the hub's spawner, the Voila options it runs
with, and that only the server's owner gets in (the whole hub runs in tests/system/test_hub.py)."""
import asyncio

import pytest

from workbook import hub, serve
from workbook.store import access

HUB = {"JUPYTERHUB_USER": "alice", "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:45678/",
       "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "JUPYTERHUB_API_TOKEN": "t" * 32,
       "JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api", "JUPYTERHUB_CLIENT_ID": "jupyterhub-user-alice",
       "JUPYTERHUB_OAUTH_CALLBACK_URL": "/user/alice/oauth_callback"}


def test_the_address_and_prefix_come_from_the_hub():
    assert hub.listen_address(HUB) == ("127.0.0.1", 45678, "/user/alice/")


@pytest.mark.parametrize("change, message", [
    ({"JUPYTERHUB_USER": ""}, "JUPYTERHUB_USER is not set"),
    ({"JUPYTERHUB_API_TOKEN": ""}, "JUPYTERHUB_API_TOKEN is not set"),
    ({"JUPYTERHUB_SERVICE_URL": "http://0.0.0.0:45678/"}, "not a loopback address"),
    ({"JUPYTERHUB_SERVICE_URL": "https://127.0.0.1:45678/"}, "expected http://HOST:PORT/"),
    ({"JUPYTERHUB_SERVICE_URL": "http://127.0.0.1/"}, "expected http://HOST:PORT/"),
    ({"JUPYTERHUB_SERVICE_PREFIX": "user/alice"}, "expected /user/NAME/"),
])
def test_a_server_not_started_as_the_hub_starts_it_is_refused(change, message):
    with pytest.raises(hub.HubError, match=message):
        hub.listen_address(HUB | change)


def test_main_says_what_is_missing_outside_a_hub(monkeypatch, capsys):
    for name in HUB:
        monkeypatch.delenv(name, raising=False)
    assert hub.main([]) == 2
    assert "JupyterHub single-user server" in capsys.readouterr().err


def test_the_app_is_workbook_serves_with_the_hubs_sign_in_and_prefix():
    args = hub.voila_arguments("127.0.0.1", 45678, "/user/alice/", preheat=0, builder=False)
    served = serve.voila_command("127.0.0.1", 45678, preheat=0, builder=False)[3:]
    assert args[:len(served)] == served  # every lock-down and limit of workbook serve
    assert "--Voila.base_url=/user/alice/" in args
    assert "--Voila.identity_provider_class=workbook.hub.OwnerOnly" in args
    assert "--VoilaConfiguration.file_denylist=.*" in args and "--WorkbookVoila.report_builder=False" in args


@pytest.mark.parametrize("argv", [["--preheat", "9"], ["--preheat", "-1"], ["--token", "x"]])
def test_bad_options_are_refused(argv):
    with pytest.raises(SystemExit):
        hub.parse_args(argv)


def test_only_the_owner_of_the_server_gets_in(monkeypatch):
    pytest.importorskip("jupyterhub")
    from jupyterhub.singleuser.extension import JupyterHubIdentityProvider, JupyterHubUser
    from tornado import web

    monkeypatch.setenv(access.HUB_USER_ENV, "alice")
    signed_in = {}

    async def hub_says(self, handler):
        return signed_in.get("user")

    monkeypatch.setattr(JupyterHubIdentityProvider, "get_user", hub_says)
    provider = hub.OwnerOnly()  # its HubOAuth is made on first use: never here, the hub's answer is given above
    assert asyncio.run(provider.get_user(None)) is None  # not signed in: the hub's login follows
    for name, admin in (("alice", False), ("bob", False), ("root", True)):
        signed_in["user"] = JupyterHubUser({"name": name, "admin": admin, "kind": "user", "scopes": ["access:servers"]})
        if name == "alice":
            assert asyncio.run(provider.get_user(None)).username == "alice"
        else:  # another person, even a hub administrator with access to every server
            with pytest.raises(web.HTTPError) as refused:
                asyncio.run(provider.get_user(None))
            assert refused.value.status_code == 403
