"""The seminar hub's configuration, read the way JupyterHub, TLJH and Zero to JupyterHub read it.

No server is started: deploy/hub/jupyterhub_config.py is loaded by a ``jupyterhub.app.JupyterHub``
with the environment ``delivery.hub.hub_environment`` gives it, and each configured authenticator is
instantiated from that config. Unknown config options (which JupyterHub would only warn about and
ignore) fail here.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from jupyterhub import orm
from jupyterhub.app import JupyterHub
from jupyterhub.proxy import ConfigurableHTTPProxy
from traitlets.config import Config

from delivery import hub, hub_auth, hub_files
from delivery.hub_spawner import SeminarSpawner

SETTINGS = hub.load_settings()
KINDS = ("dummy", "shared", "native", "lti13", "oauth")
OAUTH_SECRET = secrets.token_urlsafe(24)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def load_hub(tmp_path, monkeypatch):
    """Load deploy/hub/jupyterhub_config.py as ``jupyterhub -f`` does, for a sign-in kind."""
    loaded = []

    def load(kind: str, extra_env: dict[str, str] | None = None) -> tuple[JupyterHub, Records]:
        env = hub.hub_environment(tmp_path / "state", tmp_path / "homes", hub.free_port(),
                                  password=secrets.token_urlsafe(12), admin_password=secrets.token_urlsafe(32),
                                  admin_token=secrets.token_hex(24), repository=hub.checkout_repository(),
                                  branch="main", mark="test-hub-config", auth=kind)
        for name in (hub.ENV_STATE, hub.ENV_HOMES, hub.ENV_PORT, hub.ENV_PASSWORD, hub.ENV_ADMIN_PASSWORD,
                     hub.ENV_ADMIN_TOKEN, hub.ENV_REPOSITORY, hub.ENV_BRANCH, hub.ENV_AUTH):
            monkeypatch.setenv(name, env[name])
        monkeypatch.delenv(hub_auth.OAUTH_CLIENT_SECRET, raising=False)
        for name, value in (extra_env or {}).items():
            monkeypatch.setenv(name, value)
        records = Records()
        logger = logging.getLogger(f"test-hub-config-{len(loaded)}")
        logger.propagate = False
        logger.addHandler(records)
        app = JupyterHub(log=logger)
        app.load_config_file(str(hub.CONFIG_FILE))
        loaded.append(app)
        return app, records

    return load


def make_authenticator(app: JupyterHub):
    """The configured authenticator, made as the hub makes it (with a database of its own)."""
    db = orm.new_session_factory("sqlite://")()
    return app.authenticator_class(parent=app, _deprecated_db_session=db)


def unknown_options(config: Config, classes: dict[str, type]) -> list[str]:
    """Config sections or options no class in ``classes`` has (JupyterHub would ignore them)."""
    found = []
    for section, values in config.items():
        if section not in classes:
            found.append(f"{section} (no such class here)")
            continue
        known = set(classes[section].class_trait_names(config=True))
        found += [f"{section}.{name}" for name in values if name not in known]
    return found


# The local hub, with each sign-in ----------------------------------------------------------------
def test_a_server_that_misses_sigint_is_ended_before_the_hub_is_called_stuck(load_hub):
    """JupyterHub waits interrupt_timeout after SIGINT, term_timeout after SIGTERM, then kill_timeout after SIGKILL;
    stopping the hub must fit all three in the time delivery.hub.stop allows before it calls the hub stuck."""
    app, _ = load_hub("dummy")
    spawner = SeminarSpawner(config=app.config)
    escalation = spawner.interrupt_timeout + spawner.term_timeout + spawner.kill_timeout
    assert escalation < hub.STOP_TIMEOUT_S - 2, f"a stuck server takes the hub {escalation} s to end"
    assert spawner.interrupt_timeout >= 3, "a resident's server needs a moment to exit on SIGINT"


@pytest.mark.parametrize("kind", KINDS)
def test_each_sign_in_loads_with_known_options_only(kind, load_hub):
    app, records = load_hub(kind, {hub_auth.OAUTH_CLIENT_SECRET: OAUTH_SECRET} if kind == "oauth" else None)
    authenticator = make_authenticator(app)
    cls = type(authenticator)
    classes = {"JupyterHub": JupyterHub, "Spawner": SeminarSpawner, "SeminarSpawner": SeminarSpawner,
               "ConfigurableHTTPProxy": ConfigurableHTTPProxy, "Authenticator": cls, cls.__name__: cls}
    assert unknown_options(app.config, classes) == []
    assert not [m for m in records.messages if "not recognized" in m], records.messages
    assert app.spawner_class is SeminarSpawner

    admins = authenticator.admin_users
    if kind == "dummy":
        assert cls.__name__ == "DummyAuthenticator"
        assert authenticator.password == app.config.DummyAuthenticator.password and len(authenticator.password) >= 12
    elif kind == "shared":
        assert cls.__name__ == "SharedPasswordAuthenticator"
        assert len(authenticator.user_password) >= 8 and len(authenticator.admin_password) >= 32
    elif kind == "native":
        assert cls.__name__ == "NativeAuthenticator"
        assert authenticator.open_signup is False and authenticator.enable_signup is True
        assert authenticator.minimum_password_length >= 8 and authenticator.check_common_password
        assert authenticator.allowed_failed_logins >= 1 and authenticator.seconds_before_next_try > 0
        assert authenticator.allow_all  # NativeAuthenticator's own approval is the gate
        from nativeauthenticator.handlers import LoginHandler  # its sign-in times itself with statsd

        LoginHandler.statsd.timer("login.authenticate").start().stop(send=False)
    elif kind == "lti13":
        assert cls.__name__ == "LTI13Authenticator"
        for url in (authenticator.issuer, authenticator.authorize_url, authenticator.jwks_endpoint):
            assert urlsplit(url).scheme == "https" and urlsplit(url).hostname
        assert authenticator.client_id and authenticator.username_key
        assert authenticator.login_url("/hub/") == hub_auth.LTI13_ENDPOINTS["login initiation (OpenID Connect)"]
        assert authenticator.callback_url("/hub/") == hub_auth.LTI13_ENDPOINTS["redirect / launch"]
        assert authenticator.config_json_url("/hub/") == hub_auth.LTI13_ENDPOINTS["tool configuration (JSON)"]
    else:
        assert cls.__name__ == "GenericOAuthenticator"
        assert authenticator.client_secret == OAUTH_SECRET
        assert authenticator.client_id and authenticator.username_claim
        for url in (authenticator.authorize_url, authenticator.token_url, authenticator.userdata_url):
            assert urlsplit(url).scheme == "https"
        assert authenticator.oauth_callback_url == hub_auth.public_url(SETTINGS) + "/hub/oauth_callback"
        assert authenticator.manage_groups and authenticator.allowed_groups
        assert not authenticator.allow_all
    if kind in hub_auth.PRODUCTION_KINDS:  # [hub] admin, or the name the provider gives the admin
        expected = hub_auth.authenticator_settings(kind, SETTINGS, with_secrets=False)["Authenticator"]["admin_users"]
    else:
        expected = [SETTINGS.admin]
    assert admins == set(expected)


def test_oauth_without_its_secret_stops_the_hub_naming_the_variable(load_hub):
    with pytest.raises(hub.HubError, match=hub_auth.OAUTH_CLIENT_SECRET):
        load_hub("oauth")


def test_an_unknown_sign_in_is_refused(load_hub):
    with pytest.raises(hub.HubError, match="ldap"):
        load_hub("ldap")


def test_every_address_of_the_local_hub_is_loopback(load_hub):
    app, _ = load_hub("dummy")
    config = app.config
    addresses = {"JupyterHub.bind_url": urlsplit(app.bind_url).hostname, "JupyterHub.hub_ip": app.hub_ip,
                 "ConfigurableHTTPProxy.api_url": urlsplit(config.ConfigurableHTTPProxy.api_url).hostname,
                 "Spawner.ip": config.Spawner.ip}
    assert addresses == dict.fromkeys(addresses, "127.0.0.1")
    assert "ip" not in config.JupyterHub and "hub_bind_url" not in config.JupyterHub
    assert "0.0.0.0" not in repr(config)


# The generated TLJH and Zero to JupyterHub files ---------------------------------------------------
def read_generated() -> tuple[dict, str, dict]:
    root = hub.HUB_DIR
    tljh = yaml.safe_load((root / hub_files.TLJH_CONFIG).read_text())
    snippet = (root / hub_files.TLJH_SNIPPET).read_text()
    z2jh = yaml.safe_load((root / hub_files.Z2JH_VALUES).read_text())
    return tljh, snippet, z2jh


def run_snippet(text: str) -> Config:
    """Execute a generated ``jupyterhub_config.d`` snippet (or ``hub.extraConfig``) on a fresh config."""
    c = Config()
    exec(compile(text, "seminar.py", "exec"), {"c": c})
    return c


def test_generated_files_are_current():
    assert hub_files.stale(SETTINGS) == [], "run `make hub-files` and commit the result"
    for path in hub_files.render(SETTINGS):
        assert (hub.HUB_DIR / path).read_text().startswith("# generated by make hub-files from ")


def test_a_changed_setting_makes_check_fail_until_written(tmp_path, capsys):
    text = hub.SETTINGS_FILE.read_text()
    assert 'memory = "1G"' in text
    changed = tmp_path / "seminar.toml"
    changed.write_text(text.replace('memory = "1G"', 'memory = "2G"'))
    assert hub_files.main(["check", "--settings", str(changed)]) == 1
    err = capsys.readouterr().err
    assert "z2jh/values.yaml" in err and "tljh/config.yaml" in err
    assert "requirements-user.txt" not in err  # it does not depend on the memory limit

    root = tmp_path / "out"
    assert hub_files.main(["write", "--settings", str(changed), "--root", str(root)]) == 0
    assert hub_files.main(["check", "--settings", str(changed), "--root", str(root)]) == 0
    values = yaml.safe_load((root / hub_files.Z2JH_VALUES).read_text())
    assert values["singleuser"]["memory"]["limit"] == "2G"
    assert yaml.safe_load((root / hub_files.TLJH_CONFIG).read_text())["limits"]["memory"] == "2G"


def test_the_same_limits_culler_and_admin_everywhere(load_hub):
    app, _ = load_hub("dummy")
    local = app.config
    tljh, snippet, z2jh = read_generated()
    single = z2jh["singleuser"]

    memory = {hub.memory_bytes(v) for v in (local.Spawner.mem_limit, tljh["limits"]["memory"], single["memory"]["limit"])}
    assert memory == {SETTINGS.memory_bytes}
    assert hub.memory_bytes(local.Spawner.mem_guarantee) == hub.memory_bytes(single["memory"]["guarantee"]) \
        == hub.memory_bytes(SETTINGS.memory_guarantee)
    assert local.Spawner.cpu_limit == tljh["limits"]["cpu"] == single["cpu"]["limit"] == SETTINGS.cpu
    assert local.Spawner.cpu_guarantee == single["cpu"]["guarantee"] == SETTINGS.cpu_guarantee

    culler = next(s for s in local.JupyterHub.services if s["name"] == "idle-culler")
    flags = dict(re.fullmatch(r"--([a-z-]+)=(\d+)", arg).groups() for arg in culler["command"][3:])
    local_cull = {"timeout": int(flags["timeout"]), "every": int(flags["cull-every"]),
                  "concurrency": int(flags["concurrency"]), "max_age": int(flags.get("max-age", 0))}
    tljh_cull = {k: tljh["services"]["cull"][k] for k in local_cull}
    z2jh_cull = {"timeout": z2jh["cull"]["timeout"], "every": z2jh["cull"]["every"],
                 "concurrency": z2jh["cull"]["concurrency"], "max_age": z2jh["cull"]["maxAge"]}
    assert local_cull == tljh_cull == z2jh_cull == {"timeout": SETTINGS.cull_timeout, "every": SETTINGS.cull_every,
                                                    "concurrency": SETTINGS.cull_concurrency,
                                                    "max_age": SETTINGS.cull_max_age}
    assert tljh["services"]["cull"]["enabled"] and z2jh["cull"]["enabled"]

    production = hub_auth.authenticator_settings(hub_auth.production_kind(SETTINGS), SETTINGS, with_secrets=False)
    admins = production["Authenticator"]["admin_users"]
    assert set(local.Authenticator.admin_users) == {SETTINGS.admin}
    assert tljh["users"]["admin"] == z2jh["hub"]["config"]["Authenticator"]["admin_users"] == admins
    if "admin" not in SETTINGS.auth.get(hub_auth.production_kind(SETTINGS), {}):
        assert admins == [SETTINGS.admin]

    tljh_hub = run_snippet(snippet)
    course = hub.pull_link(SETTINGS)
    assert tljh_hub.JupyterHub.default_url == z2jh["hub"]["config"]["JupyterHub"]["default_url"] == course
    assert "repo=" + SETTINGS.repository in course
    start = f"/lab/tree/{SETTINGS.folder}/{SETTINGS.start_page}"
    assert tljh_hub.Spawner.default_url == single["defaultUrl"] == local.Spawner.default_url == start
    assert tljh_hub.JupyterHub.concurrent_spawn_limit == z2jh["hub"]["concurrentSpawnLimit"] \
        == local.JupyterHub.concurrent_spawn_limit == SETTINGS.concurrent_spawn_limit
    assert tljh_hub.Spawner.start_timeout == single["startTimeout"] == local.Spawner.start_timeout
    assert z2jh["hub"]["config"]["KubeSpawner"]["working_dir"] == hub_files.HOME_DIR
    assert single["image"] == {"name": SETTINGS.image, "tag": hub_files.project_version()}
    assert z2jh["proxy"]["https"]["hosts"] == [urlsplit(hub_auth.public_url(SETTINGS)).hostname]


def test_tljh_user_requirements_keep_tljhs_jupyterhub():
    requirements = (hub.HUB_DIR / hub_files.TLJH_REQUIREMENTS).read_text()
    names = {line.split("==")[0] for line in requirements.splitlines() if line and not line.startswith("#")}
    assert "nbgitpuller" in names and "jupyterlab" in names and "ipywidgets" in names
    assert not names & hub_files.HUB_SIDE_PACKAGES
    pinned = {line.split("#")[0].strip() for line in hub_files.REQUIREMENTS_FILE.read_text().splitlines()}
    assert all(line in pinned for line in requirements.splitlines() if line and not line.startswith("#"))


def generated_for(kind: str) -> tuple[dict, str, dict]:
    settings = replace(SETTINGS, auth={**SETTINGS.auth, "production": kind})
    rendered = hub_files.render(settings)
    return (yaml.safe_load(rendered[hub_files.TLJH_CONFIG]), rendered[hub_files.TLJH_SNIPPET],
            yaml.safe_load(rendered[hub_files.Z2JH_VALUES]))


def tljh_as_jupyterhub_config(tljh: dict, snippet_config: Config) -> Config:
    """What TLJH's configurer makes of config.yaml (auth.type, auth.<Class>.*, users.*), then its snippets."""
    c = Config()
    c.JupyterHub.authenticator_class = tljh["auth"]["type"]
    for section, traits in tljh["auth"].items():
        if section != "type":
            for name, value in traits.items():
                c[section][name] = value
    c.Authenticator.allowed_users = set(tljh["users"].get("allowed", []))
    c.Authenticator.admin_users = set(tljh["users"]["admin"])
    c.merge(snippet_config)
    return c


@pytest.mark.parametrize("kind", hub_auth.PRODUCTION_KINDS)
def test_generated_sign_in_instantiates_with_known_options(kind, monkeypatch):
    tljh, snippet, z2jh = generated_for(kind)
    assert tljh["auth"]["type"] == z2jh["hub"]["config"]["JupyterHub"]["authenticator_class"] \
        == hub_auth.AUTHENTICATOR_CLASSES[kind]
    # KubeSpawner is not installed here; its settings are checked by value (the residents' server is the measured one).
    assert z2jh["hub"]["config"].pop("KubeSpawner") == {"working_dir": hub_files.HOME_DIR,
                                                        "args": hub.resident_server_args()}
    for secret in hub_auth.secrets(kind):  # the generated files read it from the hub's environment
        monkeypatch.setenv(secret.variable, OAUTH_SECRET)
    z2jh_config = Config(z2jh["hub"]["config"])
    for text in z2jh["hub"].get("extraConfig", {}).values():
        z2jh_config.merge(run_snippet(text))
    for name, config in (("tljh", tljh_as_jupyterhub_config(tljh, run_snippet(snippet))), ("z2jh", z2jh_config)):
        records = Records()
        logger = logging.getLogger(f"test-generated-{kind}-{name}")
        logger.propagate = False
        logger.addHandler(records)
        app = JupyterHub(config=config, log=logger)
        authenticator = make_authenticator(app)
        cls = type(authenticator)
        assert cls.__name__ == hub_auth.class_name(kind)
        classes = {"JupyterHub": JupyterHub, "Spawner": SeminarSpawner, "Authenticator": cls, cls.__name__: cls}
        assert unknown_options(config, classes) == [], name
        assert not [m for m in records.messages if "not recognized" in m], (name, records.messages)
        assert authenticator.admin_users
        for secret in hub_auth.secrets(kind):
            assert getattr(authenticator, secret.trait) == OAUTH_SECRET
    if kind == "oauth":  # the secret is read from the environment, never written into a file
        assert OAUTH_SECRET not in yaml.safe_dump(z2jh) and "client_secret" not in yaml.safe_dump(tljh)
        assert z2jh["hub"]["extraEnv"][hub_auth.OAUTH_CLIENT_SECRET]["valueFrom"]["secretKeyRef"]
    else:
        assert "extraEnv" not in z2jh["hub"] and "os.environ" not in snippet


# Settings that are refused, naming the key ------------------------------------------------------------
def with_change(tmp_path: Path, old: str, new: str) -> Path:
    text = hub.SETTINGS_FILE.read_text()
    assert old in text, old
    path = tmp_path / "seminar.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(("old", "new", "named"), [
    ('memory = "1G"', 'memory = "lots"', "memory"),
    ("cpu_guarantee = 0.1", "cpu_guarantee = 2.0", "cpu_guarantee"),
    ('admin = "tutor"', 'admin = "Tutor Smith"', "admin"),
    ("timeout = 3600", 'timeout = "1h"', "timeout"),
    ('folder = "bmm-teaching"', 'folder = "a/b"', "folder"),
    ("port = 8000", "port = true", "port"),
])
def test_load_settings_names_the_wrong_key(tmp_path, old, new, named):
    with pytest.raises(hub.HubError, match=rf"\b{named}\b"):
        hub.load_settings(with_change(tmp_path, old, new))


@pytest.mark.parametrize(("old", "new", "kind", "named"), [
    ('production = "native"', 'production = "ldap"', None, r"\[auth\] production"),
    ('public_url = "https://hub.example.org"', 'public_url = "http://hub.example.org"', "oauth", "public_url"),
    ('issuer = "https://lms.example.org"', 'issuer = "http://lms.example.org"', "lti13", r"\[auth.lti13\] issuer"),
    ("minimum_password_length = 10", "minimum_password_length = 4", "native", "minimum_password_length"),
    ("\nopen_signup = false", "\nopen_sigup = false", "native", "open_sigup"),
    ('client_ids = ["10000000000001"]', "client_ids = []", "lti13", "client_ids"),
    ('allowed_groups = ["bmm-residents"]', "allowed_groups = []", "oauth", "allowed_groups"),
])
def test_auth_settings_name_the_wrong_key(tmp_path, old, new, kind, named):
    settings = hub.load_settings(with_change(tmp_path, old, new))
    with pytest.raises(hub.HubError, match=named):
        if kind is None:
            hub_auth.production_kind(settings)
        else:
            hub_auth.authenticator_settings(kind, settings, {hub_auth.OAUTH_CLIENT_SECRET: "x"})
    production = settings if kind is None else replace(settings, auth={**settings.auth, "production": kind})
    with pytest.raises(hub.HubError, match=named):  # the generated files are refused too
        hub_files.render(production)


# docs/hub.md says what the code does ---------------------------------------------------------------
DOC = hub.PROJECT_ROOT / "docs" / "hub.md"


def test_the_hub_guide_names_the_real_values_and_its_links_resolve():
    text = DOC.read_text()
    for path in hub_auth.LTI13_ENDPOINTS.values():
        assert f"https://hub.example.org{path}" in text, path
    assert hub_auth.public_url(SETTINGS) == "https://hub.example.org"  # the address the guide's examples use
    for name in (hub_auth.OAUTH_CLIENT_SECRET, hub_auth.OAUTH_CALLBACK_PATH, SETTINGS.image,
                 hub_files.TARGET_REPO_DIR, f"--target-repo-dir {hub_files.TARGET_REPO_DIR}",
                 f"{SETTINGS.image}:{hub_files.project_version()}", "## Measured load and sizing"):
        assert name in text, name
    for path in hub_files.render(SETTINGS):
        assert f"deploy/hub/{path}" in text, path
    limits = {"memory": SETTINGS.memory, "memory_guarantee": SETTINGS.memory_guarantee, "cpu": SETTINGS.cpu,
              "cpu_guarantee": SETTINGS.cpu_guarantee, "start_timeout": SETTINGS.start_timeout,
              "concurrent_spawn_limit": SETTINGS.concurrent_spawn_limit}
    for key, value in limits.items():
        assert f"| `{key}` | `{value}` |" in text, key
    assert f"today {SETTINGS.cull_timeout}" in text and f"({SETTINGS.cull_every})" in text
    for target in re.findall(r"\]\((?!https?:|#)([^)#]+)", text):
        assert (DOC.parent / target).resolve().exists(), target
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                    for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
        assert anchor in headings, anchor
