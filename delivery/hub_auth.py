"""Production sign-in for the seminar hub: NativeAuthenticator, LTI 1.3 and OAuth (OpenID Connect).

Every value comes from the ``[auth]`` tables of ``deploy/hub/seminar.toml``; secrets never do: the
one secret a production sign-in needs here (the OAuth client secret) is read from the environment
variable :data:`OAUTH_CLIENT_SECRET`, and a missing one raises :class:`delivery.hub.HubError` naming
it.

:func:`authenticator_settings` turns the settings into JupyterHub configuration, one mapping of
config class -> trait -> value. The same mapping is applied to the local hub (:func:`apply`, called
by :func:`delivery.hub.configure` for ``BMM_HUB_AUTH=native|lti13|oauth``) and written into the
files for The Littlest JupyterHub and Zero to JupyterHub (:mod:`delivery.hub_files`), so the
sign-in is configured in one place.

Which of the three the generated files use is ``[auth] production``.

Nothing here imports JupyterHub: the class names are import strings, so reading and checking the
settings stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from delivery.hub import HubError, Settings

#: The production sign-in kinds and the authenticator class each one uses (import strings, which
#: JupyterHub, TLJH's ``auth.type`` and Zero to JupyterHub's ``hub.config`` all accept).
AUTHENTICATOR_CLASSES: dict[str, str] = {
    "native": "nativeauthenticator.NativeAuthenticator",
    "lti13": "ltiauthenticator.lti13.auth.LTI13Authenticator",
    "oauth": "oauthenticator.generic.GenericOAuthenticator",
}
PRODUCTION_KINDS = tuple(AUTHENTICATOR_CLASSES)
#: Environment variable holding the OAuth client secret (never in seminar.toml or a generated file).
OAUTH_CLIENT_SECRET = "BMM_HUB_OAUTH_CLIENT_SECRET"
#: The hub's own LTI 1.3 endpoints (ltiauthenticator 1.6), below the public address; the LMS needs them.
LTI13_ENDPOINTS = {
    "login initiation (OpenID Connect)": "/hub/lti13/oauth_login",
    "redirect / launch": "/hub/lti13/oauth_callback",
    "tool configuration (JSON)": "/hub/lti13/config",
}
#: Where the identity provider sends residents back after an OAuth sign-in.
OAUTH_CALLBACK_PATH = "/hub/oauth_callback"


@dataclass(frozen=True)
class Secret:
    """A trait whose value is read from an environment variable when the hub starts."""

    section: str  # config class, e.g. "GenericOAuthenticator"
    trait: str
    variable: str


def class_name(kind: str) -> str:
    """``"native"`` -> ``"NativeAuthenticator"``: the config section of that kind's authenticator."""
    return AUTHENTICATOR_CLASSES[_kind(kind)].rsplit(".", 1)[1]


def secrets(kind: str) -> list[Secret]:
    """The secrets the kind needs at run time (none for native and LTI 1.3)."""
    if _kind(kind) == "oauth":
        return [Secret(class_name("oauth"), "client_secret", OAUTH_CLIENT_SECRET)]
    return []


def production_kind(settings: Settings) -> str:
    """``[auth] production``: the sign-in the TLJH and Zero to JupyterHub files are generated with."""
    value = _table(settings, None).get("production")
    if value not in PRODUCTION_KINDS:
        raise HubError(f"[auth] production = {value!r}: expected one of {', '.join(PRODUCTION_KINDS)}")
    return value


def public_url(settings: Settings) -> str:
    """``[auth] public_url``: the hub's public https address (no path), as residents and the LMS reach it."""
    value = _table(settings, None).get("public_url")
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise HubError(f"[auth] public_url = {value!r}: expected the hub's https address without a path "
                       f"(like https://hub.example.org)")
    return value.rstrip("/")


def authenticator_settings(kind: str, settings: Settings, environ: Mapping[str, str] | None = None, *,
                           with_secrets: bool = True) -> dict[str, dict[str, object]]:
    """JupyterHub configuration of one production sign-in: config class -> trait -> value.

    ``with_secrets=False`` leaves the secret traits (:func:`secrets`) out; the generated files read
    them from the environment at start instead. With ``with_secrets=True`` a secret missing from
    ``environ`` raises :class:`HubError` naming its variable. A wrong or unknown value in an
    ``[auth.<kind>]`` table raises :class:`HubError` naming the key.
    """
    kind = _kind(kind)
    table = _Table(kind, _table(settings, kind))
    section = class_name(kind)
    admin = table.name("admin", default=settings.admin)
    traits: dict[str, object]
    authenticator: dict[str, object] = {"admin_users": [admin]}
    if kind == "native":
        # Residents sign up at /hub/signup; nobody gets in until the admin approves them at
        # /hub/authorize (the admin, listed in admin_users, is approved on signing up).
        # NativeAuthenticator is the gate, so JupyterHub's own allow list admits everyone it lets in.
        traits = {
            "allow_all": True,
            "enable_signup": table.boolean("enable_signup", default=True),
            "open_signup": table.boolean("open_signup", default=False),
            "ask_email_on_signup": table.boolean("ask_email_on_signup", default=False),
            "minimum_password_length": table.integer("minimum_password_length", default=10, minimum=8),
            "check_common_password": table.boolean("check_common_password", default=True),
            "allowed_failed_logins": table.integer("allowed_failed_logins", default=5, minimum=1),
            "seconds_before_next_try": table.integer("seconds_before_next_try", default=600, minimum=1),
        }
    elif kind == "lti13":
        # The LMS decides who may launch the course (its enrolment); everyone it launches is let in.
        traits = {
            "allow_all": True,
            "issuer": table.url("issuer"),
            "authorize_url": table.url("authorize_url"),
            "jwks_endpoint": table.url("jwks_endpoint"),
            "client_id": table.names("client_ids"),
            "username_key": table.name("username_key", default="email"),
            "tool_name": table.text("tool_name", default="BMM seminar"),
            "tool_description": table.text("tool_description",
                                           default="The BMM teaching course, one copy for each resident"),
            "uri_scheme": "https",  # the hub sits behind TLS (public_url is https), whatever headers say
        }
        public_url(settings)  # the LMS needs the endpoints below it: it must be set and valid
    else:  # oauth: the program's identity provider, OpenID Connect
        users = table.names("allowed_users", default=[], allow_empty=True)
        groups = table.names("allowed_groups", default=[], allow_empty=True)
        admin_groups = table.names("admin_groups", default=[], allow_empty=True)
        if not users and not groups:
            raise HubError("[auth.oauth] allowed_groups and allowed_users are both empty: name who may sign in "
                           "(the admin alone would be let in)")
        traits = {
            "login_service": table.text("login_service", default="the residency program"),
            "client_id": table.text("client_id"),
            "authorize_url": table.url("authorize_url"),
            "token_url": table.url("token_url"),
            "userdata_url": table.url("userdata_url"),
            "oauth_callback_url": public_url(settings) + OAUTH_CALLBACK_PATH,
            "username_claim": table.name("username_claim", default="preferred_username"),
            "scope": table.names("scope", default=["openid", "profile", "email"]),
        }
        claim = table.name("groups_claim", default="groups")
        if groups or admin_groups:  # group membership comes from the identity provider's claim
            traits.update({"manage_groups": True, "auth_state_groups_key": f"oauth_user.{claim}"})
            if groups:
                traits["allowed_groups"] = groups
            if admin_groups:
                traits["admin_groups"] = admin_groups
        if users:
            authenticator["allowed_users"] = users
    table.check_unknown()
    if with_secrets:
        environ = {} if environ is None else environ
        for secret in secrets(kind):
            value = environ.get(secret.variable, "")
            if not value:
                raise HubError(f"the {kind} sign-in needs its {secret.trait.replace('_', ' ')} in the environment "
                               f"variable {secret.variable} (never in seminar.toml)")
            traits[secret.trait] = value
    return {"JupyterHub": {"authenticator_class": AUTHENTICATOR_CLASSES[kind]},
            "Authenticator": authenticator, section: traits}


#: Python run in the hub process before a NativeAuthenticator hub starts (the local hub runs it in
#: :func:`apply`; the generated TLJH and Zero to JupyterHub files carry the same text).
#: NativeAuthenticator 1.3.0 (the newest release) times each sign-in with the request handler's
#: ``statsd`` client, which JupyterHub 6 removed: without a stand-in every POST to /hub/login fails
#: with error 500. On JupyterHub 5, which still has the client, this does nothing.
NATIVE_COMPAT = """\
import nativeauthenticator.handlers as _native_handlers
if not hasattr(_native_handlers.LoginHandler, "statsd"):  # JupyterHub 6: no statsd client on handlers
    class _NoTimer:
        def start(self):
            return self

        def stop(self, send=True):
            pass

    class _NoStatsd:
        def timer(self, name):
            return _NoTimer()

    _native_handlers.LoginHandler.statsd = _NoStatsd()
"""


def compat_code(kind: str) -> str:
    """Python the hub must run for this sign-in to work with the installed JupyterHub ("" for none)."""
    return NATIVE_COMPAT if _kind(kind) == "native" else ""


def apply(c, kind: str, settings: Settings, environ: Mapping[str, str]) -> None:
    """Set the production sign-in ``kind`` on a JupyterHub config object ``c`` (the local hub)."""
    for section, traits in authenticator_settings(kind, settings, environ).items():
        for trait, value in traits.items():
            c[section][trait] = value
    if compat_code(kind):
        exec(compile(compat_code(kind), f"<hub_auth {kind} compatibility>", "exec"), {})


# Reading the [auth] tables ------------------------------------------------------------------------
def _kind(kind: str) -> str:
    if kind not in AUTHENTICATOR_CLASSES:
        raise HubError(f"unknown sign-in {kind!r}: expected one of {', '.join(PRODUCTION_KINDS)}")
    return kind


def _table(settings: Settings, kind: str | None) -> dict[str, object]:
    auth = settings.auth
    if not isinstance(auth, dict):
        raise HubError("[auth] must be a table")
    if kind is None:
        unknown = sorted(set(auth) - {"production", "public_url", *PRODUCTION_KINDS})
        if unknown:
            raise HubError(f"[auth] unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
        return auth
    table = auth.get(kind, {})
    if not isinstance(table, dict):
        raise HubError(f"[auth.{kind}] must be a table")
    return table


class _Table:
    """One ``[auth.<kind>]`` table: typed reads that name the key in every error, and unknown keys."""

    def __init__(self, kind: str, data: dict[str, object]) -> None:
        self.kind, self.data, self.read = kind, data, set()

    def _get(self, key: str, default: object) -> object:
        self.read.add(key)
        value = self.data.get(key, default)
        if value is _REQUIRED:
            raise HubError(f"[auth.{self.kind}] {key} is missing")
        return value

    def _fail(self, key: str, value: object, expected: str) -> HubError:
        return HubError(f"[auth.{self.kind}] {key} = {value!r}: expected {expected}")

    def text(self, key: str, default: object = None) -> str:
        value = self._get(key, _REQUIRED if default is None else default)
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, value, "a non-empty string")
        return value

    def name(self, key: str, default: object = None) -> str:
        value = self.text(key, default)
        if any(ch.isspace() for ch in value):
            raise self._fail(key, value, "a name without spaces")
        return value

    def url(self, key: str) -> str:
        value = self.text(key)
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise self._fail(key, value, "an https URL")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, value, "true or false")
        return value

    def integer(self, key: str, default: int, minimum: int) -> int:
        value = self._get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self._fail(key, value, f"a whole number of at least {minimum}")
        return value

    def names(self, key: str, default: object = None, allow_empty: bool = False) -> list[str]:
        value = self._get(key, _REQUIRED if default is None else default)
        if not isinstance(value, list) or not all(isinstance(v, str) and v and not any(ch.isspace() for ch in v)
                                                  for v in value) or (not value and not allow_empty):
            raise self._fail(key, value, "a list of names without spaces" + ("" if allow_empty else ", not empty"))
        return sorted(set(value))

    def check_unknown(self) -> None:
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise HubError(f"[auth.{self.kind}] unknown key{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")


_REQUIRED = object()
