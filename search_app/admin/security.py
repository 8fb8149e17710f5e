"""Admin sessions, CSRF tokens and the backoff on wrong secrets.

- The secret (``KB_ADMIN_SECRET``) is compared with :func:`hmac.compare_digest`.
- A session is a cookie signed with itsdangerous (key derived from the secret, so changing the
  secret ends every session); it carries a random session id, the CSRF token of the session and
  its creation time, and expires after ``SESSION_SECONDS``. HttpOnly, SameSite=Strict, Secure
  when the request came over HTTPS. Logging out revokes the session id in a small file in the
  index folder, so every server worker refuses the cookie from then on.
- Every POST carries the session's CSRF token in a hidden field; the login form, which has no
  session yet, uses a signed double-submit cookie instead.
- Wrong secrets are slowed down per client: after a few failures each attempt must wait
  longer (doubling, capped), the state lives in a bounded LRU map per server process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "kb_admin"
LOGIN_COOKIE = "kb_admin_login"
SESSION_SECONDS = 8 * 3600
LOGIN_FORM_SECONDS = 3600
REVOKED_FILE = "admin-revoked.json"


def secret_matches(given: str, secret: str) -> bool:
    """Constant-time comparison of the typed secret with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    # A key of its own for the cookies, derived from the secret (never the secret itself).
    key = hmac.new(secret.encode("utf-8"), b"kb-admin-cookie-key-v1", hashlib.sha256).digest()
    return URLSafeTimedSerializer(key, salt=f"kb-admin-{purpose}")


@dataclass(frozen=True)
class Session:
    sid: str
    csrf: str
    created: float


def new_session_cookie(secret: str) -> tuple[str, Session]:
    session = Session(secrets.token_urlsafe(16), secrets.token_urlsafe(32), time.time())
    value = _serializer(secret, "session").dumps(
        {"sid": session.sid, "csrf": session.csrf, "created": session.created}
    )
    return value, session


def read_session_cookie(secret: str, value: str | None, revoked: set[str]) -> Session | None:
    """The session of a cookie, or None when it is missing, forged, expired or revoked."""
    if not value:
        return None
    try:
        data = _serializer(secret, "session").loads(value, max_age=SESSION_SECONDS)
    except BadSignature:  # SignatureExpired is a subclass
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
        return None
    if data["sid"] in revoked:
        return None
    return Session(data["sid"], str(data.get("csrf", "")), float(data.get("created", 0)))


def new_login_token(secret: str) -> tuple[str, str]:
    """(cookie value, form value) of the login form's double-submit token."""
    token = secrets.token_urlsafe(24)
    return _serializer(secret, "login").dumps(token), token


def login_token_ok(secret: str, cookie: str | None, form_value: str) -> bool:
    if not cookie or not form_value:
        return False
    try:
        token = _serializer(secret, "login").loads(cookie, max_age=LOGIN_FORM_SECONDS)
    except BadSignature:
        return False
    return isinstance(token, str) and hmac.compare_digest(token, form_value)


def csrf_ok(session: Session, form_value: str | None) -> bool:
    return bool(form_value) and hmac.compare_digest(session.csrf, str(form_value))


class RevokedSessions:
    """Session ids logged out before their expiry, shared by all server processes (a file)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / REVOKED_FILE
        self._cache: tuple[float, set[str]] = (-1.0, set())

    def load(self) -> set[str]:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return set()
        if mtime == self._cache[0]:
            return self._cache[1]
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        revoked = set(data) if isinstance(data, dict) else set()
        self._cache = (mtime, revoked)
        return revoked

    def revoke(self, session: Session) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(f".{self.path.name}.lock")
        with open(lock, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            now = time.time()
            # Keep only ids whose cookies could still be valid.
            data = {k: v for k, v in data.items()
                    if isinstance(v, (int, float)) and v > now}
            data[session.sid] = session.created + SESSION_SECONDS
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, self.path)


class LoginThrottle:
    """Per-client backoff on wrong secrets, in bounded memory (least recently seen dropped).

    The first ``free`` failures cost nothing; after that each failure makes the client wait
    ``base * 2**(n - free)`` seconds (at most ``cap``) before its next attempt is even checked.
    """

    def __init__(self, *, free: int = 3, base: float = 1.0, cap: float = 300.0,
                 max_clients: int = 10_000) -> None:
        self.free, self.base, self.cap, self.max_clients = free, base, cap, max_clients
        self._state: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client -> (n, until)
        self._lock = threading.Lock()

    def wait_seconds(self, client: str, now: float | None = None) -> float:
        """Seconds this client must still wait before trying again (0 when it may try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures, until = self._state.get(client, (0, 0.0))
        return max(0.0, until - now)

    def failure(self, client: str, now: float | None = None) -> float:
        """Record a wrong secret; return the seconds the client must now wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures, _ = self._state.pop(client, (0, 0.0))
            failures += 1
            delay = 0.0
            if failures > self.free:
                delay = min(self.cap, self.base * 2 ** (failures - self.free - 1))
            self._state[client] = (failures, now + delay)
            while len(self._state) > self.max_clients:
                self._state.popitem(last=False)
        return delay

    def success(self, client: str) -> None:
        with self._lock:
            self._state.pop(client, None)

    def __len__(self) -> int:
        return len(self._state)


def client_key(host: str | None) -> str:
    """The backoff key of a client address (an IPv6 client is keyed by its /64)."""
    if not host:
        return "?"
    if ":" in host:
        with contextlib.suppress(ValueError):
            import ipaddress

            net = ipaddress.ip_network(f"{host}/64", strict=False)
            return str(net)
    return host
