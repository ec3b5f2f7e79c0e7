"""The seminar JupyterHub: settings, the local hub (``make hub``), its pull link.

Everything a seminar hub needs is read from one file, ``deploy/hub/seminar.toml``
(:func:`load_settings`): per-resident memory and CPU limits, idle culling, the admin, the
course repository and start page. Three things are built from it:

* the local hub that ``make hub``, the browser test and the load test run
  (:func:`configure`, applied by ``deploy/hub/jupyterhub_config.py``): JupyterHub behind
  configurable-http-proxy (npm, pinned in ``deploy/hub/package-lock.json``), everything on
  127.0.0.1, one local process per resident (:class:`delivery.hub_spawner.SeminarSpawner`), jupyterhub-idle-culler
  as a hub service, and nbgitpuller in every resident's server;
* the production authenticators (NativeAuthenticator, LTI 1.3, OAuth) in :mod:`delivery.hub_auth`;
* the files for The Littlest JupyterHub and Zero to JupyterHub in :mod:`delivery.hub_files`.

``python -m delivery.hub serve`` (``make hub``) starts the local hub on 127.0.0.1, prints the
address, the pull link and a random admin token once, and on Ctrl+C stops the hub, the proxy
and every resident's server and kernel (:func:`serve`).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlencode

import psutil

from delivery.processes import LOOPBACK, MARK_VARIABLE, carrying, describe, free_port, stop_process_group

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HUB_DIR = PROJECT_ROOT / "deploy" / "hub"
SETTINGS_FILE = HUB_DIR / "seminar.toml"
CONFIG_FILE = HUB_DIR / "jupyterhub_config.py"
PROXY_COMMAND = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
#: Environment variables the hub's config file reads (set by :func:`hub_environment`, never on a command line).
ENV_STATE = "BMM_HUB_STATE"  # private folder: database, cookie secret
ENV_HOMES = "BMM_HUB_HOMES"  # where residents' home folders are made
ENV_PORT = "BMM_HUB_PORT"
ENV_PASSWORD = "BMM_HUB_PASSWORD"  # residents' password on the local hub
ENV_ADMIN_PASSWORD = "BMM_HUB_ADMIN_PASSWORD"  # the admin's password (make hub)
ENV_ADMIN_TOKEN = "BMM_HUB_ADMIN_TOKEN"  # API token with the admin role
ENV_REPOSITORY = "BMM_HUB_REPOSITORY"  # the course repository and branch the pull link names
ENV_BRANCH = "BMM_HUB_BRANCH"
ENV_SETTINGS = "BMM_HUB_SETTINGS"  # the settings file the hub reads (default deploy/hub/seminar.toml)
ENV_AUTH = "BMM_HUB_AUTH"  # dummy (tests), shared (make hub), native, lti13, oauth
#: Name of the hub service that holds the admin token.
ADMIN_SERVICE = "seminar-admin"
STARTUP_TIMEOUT_S = 60.0
#: How long stopping the hub may take before :func:`stop` calls it stuck and ends what is left by force.
STOP_TIMEOUT_S = 20.0
#: How long the hub waits for a resident's server after SIGINT, and again after SIGTERM, before SIGKILL
#: (JupyterHub's defaults are 30 s each). A server answering a page that is still loading when the hub
#: stops can miss SIGINT; with these, the hub ends it and exits within STOP_TIMEOUT_S (SIGKILL is then
#: followed by the spawner's own kill_timeout, 5 s). Its kernels end on their own once it is gone.
SERVER_STOP_WAIT_S = 4

_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)([KMGT])$")


class HubError(RuntimeError):
    """The hub's settings are wrong, or the hub could not start."""


# Settings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """``deploy/hub/seminar.toml``, checked. Memory sizes are JupyterHub strings (``"1G"``)."""

    repository: str
    branch: str
    folder: str
    start_page: str
    image: str
    memory: str
    memory_guarantee: str
    cpu: float
    cpu_guarantee: float
    cull_timeout: int
    cull_every: int
    cull_max_age: int
    cull_concurrency: int
    admin: str
    port: int
    concurrent_spawn_limit: int
    start_timeout: int
    auth: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def memory_bytes(self) -> int:
        return memory_bytes(self.memory)


def memory_bytes(text: str) -> int:
    """``"512M"`` -> 536870912 (JupyterHub's binary suffixes K, M, G, T)."""
    match = _MEMORY.match(text)
    if not match:
        raise HubError(f"memory {text!r}: expected a number and one of K, M, G, T (like 1G or 512M)")
    return int(float(match.group(1)) * 1024 ** ("KMGT".index(match.group(2)) + 1))


def load_settings(path: Path = SETTINGS_FILE) -> Settings:
    """Read and check the seminar settings; a wrong value raises :class:`HubError` naming the key."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise HubError(f"{path}: {error}") from None

    def get(table: str, key: str, kind: type) -> object:
        value = data.get(table, {}).get(key)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise HubError(f"{path}: [{table}] {key} = {value!r}: expected {kind.__name__}")
        return value

    settings = Settings(
        repository=get("course", "repository", str), branch=get("course", "branch", str),
        folder=get("course", "folder", str), start_page=get("course", "start_page", str),
        image=get("course", "image", str),
        memory=get("limits", "memory", str), memory_guarantee=get("limits", "memory_guarantee", str),
        cpu=get("limits", "cpu", float), cpu_guarantee=get("limits", "cpu_guarantee", float),
        cull_timeout=get("culler", "timeout", int), cull_every=get("culler", "every", int),
        cull_max_age=get("culler", "max_age", int), cull_concurrency=get("culler", "concurrency", int),
        admin=get("hub", "admin", str), port=get("hub", "port", int),
        concurrent_spawn_limit=get("hub", "concurrent_spawn_limit", int), start_timeout=get("hub", "start_timeout", int),
        auth=data.get("auth", {}),
    )
    if memory_bytes(settings.memory_guarantee) > memory_bytes(settings.memory):
        raise HubError(f"{path}: [limits] memory_guarantee {settings.memory_guarantee} is above memory {settings.memory}")
    if not 0 < settings.cpu_guarantee <= settings.cpu:
        raise HubError(f"{path}: [limits] expected 0 < cpu_guarantee <= cpu, got {settings.cpu_guarantee} and {settings.cpu}")
    for key in ("cull_timeout", "cull_every", "cull_concurrency", "concurrent_spawn_limit", "start_timeout"):
        if getattr(settings, key) < 1:
            raise HubError(f"{path}: {key.replace('cull_', 'culler ')} must be at least 1")
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", settings.admin):
        raise HubError(f"{path}: [hub] admin {settings.admin!r}: expected a lower-case user name")
    if "/" in settings.folder or settings.folder in ("", ".", ".."):
        raise HubError(f"{path}: [course] folder {settings.folder!r}: expected one folder name")
    return settings


def culler_command(settings: Settings, python: str = sys.executable) -> list[str]:
    """The jupyterhub-idle-culler service's command line."""
    command = [python, "-m", "jupyterhub_idle_culler", f"--timeout={settings.cull_timeout}",
               f"--cull-every={settings.cull_every}", f"--concurrency={settings.cull_concurrency}"]
    return command + ([f"--max-age={settings.cull_max_age}"] if settings.cull_max_age else [])


#: What the admin token may do: manage residents, their servers and their tokens (JupyterHub's scopes).
ADMIN_TOKEN_SCOPES = ["admin:users", "admin:servers", "tokens", "list:users", "read:users", "read:servers"]
#: What the culler may do (jupyterhub-idle-culler's README): see users' activity, stop their servers.
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]


def pull_link(settings: Settings, repository: str | None = None, base: str = "") -> str:
    """The nbgitpuller link that gives each resident their own copy and opens the start page.

    ``base`` is the hub's address (``http://127.0.0.1:8000``) or empty for a path. The copy lands in
    ``~/<folder>``; pulling again merges new course commits and keeps the resident's edits
    (nbgitpuller's rule: a file the resident changed is never overwritten).
    """
    query = urlencode({
        "repo": repository or settings.repository,
        "branch": settings.branch,
        "targetpath": settings.folder,
        "urlpath": f"lab/tree/{settings.folder}/{settings.start_page}",
    }, quote_via=quote, safe="/:")
    return f"{base}/hub/user-redirect/git-pull?{query}"


def checkout_repository() -> str:
    """This checkout as a repository nbgitpuller can clone (``file://``, so that ``--depth 1`` applies)."""
    return PROJECT_ROOT.as_uri()


def checkout_branch() -> str:
    """The branch this checkout is on (the pull link must name one that exists)."""
    result = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--abbrev-ref", "HEAD"],
                            capture_output=True, text=True, check=False)
    branch = result.stdout.strip()
    if result.returncode or not branch or branch == "HEAD":
        raise HubError(f"{PROJECT_ROOT} is not on a git branch: nbgitpuller needs one to pull from "
                       f"({result.stderr.strip() or 'detached HEAD'})")
    return branch


# The local hub's configuration ------------------------------------------------------------------
def singleuser_command(python: str = sys.executable) -> list[str]:
    """A resident's server: ``jupyterhub-singleuser`` of this environment (JupyterLab, nbgitpuller and the course)."""
    return [str(Path(python).parent / "jupyterhub-singleuser")]


#: Server extensions of the course environment a resident's server does not need: Voila (the tutor's
#: live slides), the language-server bridge (no language server is installed) and jupytext's contents
#: manager (the casebook template's tooling). Off, a server starts faster and uses less memory.
RESIDENT_SERVER_EXTENSIONS_OFF = ("voila.server_extension", "jupyter_lsp", "jupyterlab_jupytext")


def resident_server_args() -> list[str]:
    """Arguments of every resident's server, here and in the TLJH and Zero to JupyterHub files: offline
    JupyterLab (no update check, no news, no extension manager queries) without the extensions residents
    do not need."""
    args = ["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.news_url=None",
            "--LabApp.extension_manager=readonly"]
    return args + [f"--ServerApp.jpserver_extensions={name}=False" for name in RESIDENT_SERVER_EXTENSIONS_OFF]


def singleuser_args(settings: Settings) -> list[str]:
    """The local hub's resident servers: :func:`resident_server_args`, and root allowed when run as root."""
    return resident_server_args() + (["--allow-root"] if os.geteuid() == 0 else [])


def configure(c, settings: Settings, environ: dict[str, str] | None = None) -> None:
    """Apply the local seminar hub's settings to a JupyterHub config object ``c``.

    Reads the private run values from ``environ`` (:func:`hub_environment` sets them). Everything
    listens on 127.0.0.1: the public port, the hub's own API, the proxy's API and every resident's
    server.
    """
    environ = os.environ if environ is None else environ
    state = Path(environ[ENV_STATE])
    port = int(environ.get(ENV_PORT) or settings.port)

    c.JupyterHub.bind_url = f"http://{LOOPBACK}:{port}"
    c.JupyterHub.hub_ip = LOOPBACK
    c.JupyterHub.hub_port = free_port()
    c.ConfigurableHTTPProxy.api_url = f"http://{LOOPBACK}:{free_port()}"
    c.ConfigurableHTTPProxy.command = [str(PROXY_COMMAND)]
    c.ConfigurableHTTPProxy.debug = False
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True  # stopping the hub stops every resident's server
    c.JupyterHub.cleanup_proxy = True
    c.JupyterHub.concurrent_spawn_limit = settings.concurrent_spawn_limit
    c.JupyterHub.shutdown_on_logout = False
    c.JupyterHub.log_level = environ.get("BMM_HUB_LOG_LEVEL", "WARN")
    c.JupyterHub.spawner_class = "delivery.hub_spawner.SeminarSpawner"

    c.Spawner.ip = LOOPBACK
    c.Spawner.cmd = singleuser_command()
    c.Spawner.args = singleuser_args(settings)
    c.Spawner.default_url = f"/lab/tree/{settings.folder}/{settings.start_page}"
    c.Spawner.mem_limit = settings.memory
    c.Spawner.mem_guarantee = settings.memory_guarantee
    c.Spawner.cpu_limit = settings.cpu
    c.Spawner.cpu_guarantee = settings.cpu_guarantee
    c.Spawner.start_timeout = settings.start_timeout
    c.Spawner.http_timeout = settings.start_timeout
    c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV", MARK_VARIABLE, "BMM_CASEDATA", "BMM_CACHE_DIR"]
    c.SeminarSpawner.home_dir_template = str(Path(environ[ENV_HOMES]) / "{username}")
    c.SeminarSpawner.interrupt_timeout = SERVER_STOP_WAIT_S
    c.SeminarSpawner.term_timeout = SERVER_STOP_WAIT_S

    # A resident who signs in without the link lands on it anyway: their own copy of the course.
    course = replace(settings, branch=environ.get(ENV_BRANCH) or settings.branch)
    c.JupyterHub.default_url = pull_link(course, environ.get(ENV_REPOSITORY))

    c.Authenticator.admin_users = {settings.admin}
    kind = environ.get(ENV_AUTH, "dummy")
    if kind == "dummy":  # the tests and the load test: JupyterHub's testing authenticator, one password
        c.JupyterHub.authenticator_class = "dummy"
        c.DummyAuthenticator.password = environ[ENV_PASSWORD]
        c.Authenticator.allow_all = True
    elif kind == "shared":  # make hub: one password for residents, a longer one for the admin
        c.JupyterHub.authenticator_class = "shared-password"
        c.SharedPasswordAuthenticator.user_password = environ[ENV_PASSWORD]
        c.SharedPasswordAuthenticator.admin_password = environ[ENV_ADMIN_PASSWORD]
        c.Authenticator.allow_all = True
    else:
        from delivery import hub_auth

        hub_auth.apply(c, kind, settings, environ)

    # The culler carries this run's mark, so that stopping the run finds it like every other process.
    culler_env = {MARK_VARIABLE: environ[MARK_VARIABLE]} if environ.get(MARK_VARIABLE) else {}
    services = [{"name": "idle-culler", "command": culler_command(settings), "environment": culler_env}]
    roles = [{"name": "idle-culler", "scopes": CULLER_SCOPES, "services": ["idle-culler"]}]
    if environ.get(ENV_ADMIN_TOKEN):  # the admin's API token: manage residents and their servers
        services.append({"name": ADMIN_SERVICE, "api_token": environ[ENV_ADMIN_TOKEN]})
        roles.append({"name": ADMIN_SERVICE, "scopes": ADMIN_TOKEN_SCOPES, "services": [ADMIN_SERVICE]})
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = roles


# Running it -----------------------------------------------------------------------------------
@dataclass
class RunningHub:
    """A local hub started by :func:`running_hub`: where it is and how to get in."""

    url: str  # http://127.0.0.1:PORT
    password: str  # residents sign in with any allowed name and this password
    admin_password: str  # the admin's, on a hub started with auth="shared" (with "dummy", ``password`` serves all)
    admin_token: str  # an API token with the admin role
    pull_link: str  # path, starting /hub/
    process: subprocess.Popen
    state: Path
    homes: Path
    mark: str
    log_file: Path

    def api(self, method: str, path: str, **kwargs):
        """A request to the hub's REST API (``path`` like ``users``) with the admin token."""
        return hub_api(self.url, self.admin_token, method, path, **kwargs)

    def processes(self) -> list[psutil.Process]:
        """Every live process of this hub: the hub, the proxy, the culler, residents' servers and kernels."""
        return carrying(self.mark)

    def log(self, chars: int = 6000) -> str:
        text = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
        return text[-chars:]


def hub_api(url: str, token: str, method: str, path: str, **kwargs):
    """A request to the REST API of the hub at ``url`` (``path`` like ``users``) with ``token``, never through a proxy."""
    import requests

    session = requests.Session()
    session.trust_env = False  # loopback only: a proxy set for package registries must not be asked
    kwargs.setdefault("timeout", 30)
    headers = {"Authorization": f"token {token}", **kwargs.pop("headers", {})}
    return session.request(method, f"{url}/hub/api/{path}", headers=headers, **kwargs)


def hub_environment(state: Path, homes: Path, port: int, password: str, admin_password: str, admin_token: str,
                    repository: str, branch: str, mark: str, auth: str = "dummy") -> dict[str, str]:
    """The hub process's environment: this one, marked, with the private run values."""
    env = dict(os.environ)
    env.pop("JUPYTER_TOKEN", None)
    env.update({ENV_STATE: str(state), ENV_HOMES: str(homes), ENV_PORT: str(port), ENV_PASSWORD: password,
                ENV_ADMIN_PASSWORD: admin_password, ENV_ADMIN_TOKEN: admin_token, ENV_REPOSITORY: repository, ENV_BRANCH: branch, ENV_AUTH: auth})
    marks = [m for m in env.get(MARK_VARIABLE, "").split(os.pathsep) if m]
    env[MARK_VARIABLE] = os.pathsep.join([*marks, mark])
    return env


def check_proxy() -> None:
    if not os.access(PROXY_COMMAND, os.X_OK):
        raise HubError(f"configurable-http-proxy is not installed at {PROXY_COMMAND}: run `make hub-setup` "
                       f"(npm ci in deploy/hub, Node.js 20 or newer)")


@contextmanager
def running_hub(settings: Settings | None = None, port: int | None = None, homes: Path | None = None,
                repository: str | None = None, log_file: Path | None = None, auth: str = "dummy",
                settings_file: Path = SETTINGS_FILE) -> Iterator[RunningHub]:
    """Start the local hub on 127.0.0.1, wait until it answers, yield it; on exit stop it and everything it started.

    The hub reads its settings from ``settings_file``; ``settings`` (default: that file's) gives the
    branch and the course link this function reports.

    ``homes`` defaults to a private temporary folder (removed afterwards); ``repository`` to this
    checkout. Stopping sends SIGTERM to the hub (which stops residents' servers and the proxy), then
    ends any process still carrying this run's mark, so nothing outlives the block.
    """
    check_proxy()
    settings = settings or load_settings(settings_file)
    port = port or free_port()
    state = Path(tempfile.mkdtemp(prefix="bmm-hub-"))  # mode 0700: database, cookie secret, log
    homes = Path(homes) if homes is not None else state / "homes"
    homes.mkdir(parents=True, exist_ok=True)
    log_file = log_file or state / "hub.log"
    if repository is None:  # this checkout, on the branch it is on
        repository = checkout_repository()
        settings = replace(settings, branch=checkout_branch())
    password, admin_password = secrets.token_urlsafe(12), secrets.token_urlsafe(32)
    admin_token, mark = secrets.token_hex(24), uuid.uuid4().hex
    env = hub_environment(state, homes, port, password, admin_password, admin_token, repository, settings.branch,
                          mark, auth)
    env[ENV_SETTINGS] = str(Path(settings_file).resolve())
    with open(log_file, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)], cwd=state,
                                   env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    hub = RunningHub(url=f"http://{LOOPBACK}:{port}", password=password, admin_password=admin_password,
                     admin_token=admin_token,
                     pull_link=pull_link(settings, repository), process=process, state=state, homes=homes,
                     mark=mark, log_file=log_file)
    try:
        _wait_until_up(hub)
        yield hub
    finally:
        # A second Ctrl+C (or SIGTERM) while stopping waits until everything is stopped, then applies.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        try:
            stop(hub)
            shutil.rmtree(state, ignore_errors=True)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _wait_until_up(hub: RunningHub, timeout: float = STARTUP_TIMEOUT_S) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            raise HubError(f"the hub exited with code {hub.process.returncode}:\n{hub.log()}")
        try:
            if hub.api("GET", "", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise HubError(f"the hub did not answer on {hub.url} within {timeout:.0f} s:\n{hub.log()}")


def stop(hub: RunningHub, timeout: float = STOP_TIMEOUT_S, grace: float = 5.0) -> list[str]:
    """Stop the hub (SIGTERM: it stops residents' servers and the proxy), then end whatever of its run is left.

    A hub still running ``timeout`` seconds after SIGTERM is asked for its threads' tracebacks (SIGUSR2:
    ``deploy/hub/jupyterhub_config.py`` has faulthandler write them to the hub's log) and killed. Kernels
    end on their own shortly after their server (``grace`` seconds are allowed). Returns one line per
    process that had to be ended by force (empty when the hub cleaned up after itself).
    """
    lines = []
    if hub.process.poll() is None:
        hub.process.terminate()
        try:
            hub.process.wait(timeout)
        except subprocess.TimeoutExpired:
            hub.process.send_signal(signal.SIGUSR2)
            time.sleep(1.0)
            lines.append(f"the hub itself, {timeout:.0f} s after SIGTERM (its threads' tracebacks are in its log)")
            stop_process_group(hub.process, timeout=5)
    deadline = time.monotonic() + grace
    while (left := hub.processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    lines += [f"ended after the hub stopped: {describe(p)}" for p in left]
    for process in left:
        try:
            process.terminate()
        except psutil.Error:
            pass
    _, lingering = psutil.wait_procs(left, timeout=5)
    for process in lingering:
        try:
            process.kill()
        except psutil.Error:
            pass
    return lines


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def serve(port: int | None = None, homes: Path | None = None) -> int:
    """``make hub``: run the local hub until Ctrl+C, printing how to reach it once."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    settings = load_settings()
    try:
        with running_hub(settings, port=port, homes=homes, auth="shared") as hub:
            print(f"\nSeminar hub (JupyterHub {_version('jupyterhub')}, configurable-http-proxy), on {LOOPBACK} only.\n"
                  f"  Open:       {hub.url}/hub/login\n"
                  f"  Residents:  any user name, password {hub.password}\n"
                  f"  Admin:      {settings.admin}, password {hub.admin_password}\n"
                  f"  Course link (give it to residents): {hub.url}{hub.pull_link}\n"
                  f"  Admin API token (shown once): {hub.admin_token}\n"
                  f"  Residents' folders: {hub.homes}\n"
                  f"  Limits per resident: {settings.memory} memory, {settings.cpu:g} CPU; idle servers stop after "
                  f"{settings.cull_timeout // 60} min.\n"
                  f"Stop with Ctrl+C (stops the hub, the proxy and every resident's server).\n", flush=True)
            while hub.process.poll() is None:
                time.sleep(0.5)
            print(f"the hub exited with code {hub.process.returncode}:\n{hub.log()}", file=sys.stderr)
            return hub.process.returncode or 1
    except KeyboardInterrupt:
        print("\nstopped: the hub, the proxy and every resident's server.")
        return 0


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m delivery.hub", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the local seminar hub on 127.0.0.1 until Ctrl+C")
    serve_parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: seminar.toml's)")
    serve_parser.add_argument("--homes", type=Path, default=PROJECT_ROOT / "build" / "hub" / "homes",
                              help="where residents' home folders are kept between runs (default: build/hub/homes)")
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args.port or load_settings().port, args.homes)
    except HubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
