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
  longer (doubling, capped). The counters live in a small SQLite file in the index folder,
  shared by every server process (in memory, per process, when that folder is not writable).
- A browser that has logged in once gets a signed *device* cookie. Its login attempts are
  counted against that device, not against its address: clients sharing an address (behind
  a proxy, a NAT) that keep guessing cannot lock the admin out of a browser that has not
  failed recently.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from itsdangerous import BadSignature, URLSafeTimedSerializer

from index import write_atomic

SESSION_COOKIE = "kb_admin"
LOGIN_COOKIE = "kb_admin_login"
SESSION_SECONDS = 8 * 3600
LOGIN_FORM_SECONDS = 3600
DEVICE_COOKIE = "kb_admin_device"
DEVICE_SECONDS = 180 * 24 * 3600
REVOKED_FILE = "admin-revoked.json"
THROTTLE_FILE = "admin-login.sqlite"

log = logging.getLogger(__name__)
T = TypeVar("T")


def secret_matches(given: str, secret: str) -> bool:
    """Constant-time comparison of the typed secret with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    # A key of its own for the cookies, derived from the secret (never the secret itself).
    key = hmac.new(secret.encode("utf-8"), b"kb-admin-cookie-key-v1", hashlib.sha256).digest()
    return URLSafeTimedSerializer(key, salt=f"kb-admin-{purpose}")


def _signed(secret: str, purpose: str, value: str | None, max_age: int) -> object:
    """What ``value`` holds when it was signed for ``purpose`` at most ``max_age`` seconds
    ago; None when it is missing, forged or expired (every cookie and token of the admin)."""
    if not value:
        return None
    try:
        return _serializer(secret, purpose).loads(value, max_age=max_age)
    except BadSignature:  # SignatureExpired is a subclass
        return None


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
    data = _signed(secret, "session", value, SESSION_SECONDS)
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
    if not form_value:
        return False
    token = _signed(secret, "login", cookie, LOGIN_FORM_SECONDS)
    return isinstance(token, str) and hmac.compare_digest(token, form_value)


def new_device_cookie(secret: str) -> str:
    """A signed random id for a browser that has just logged in."""
    return _serializer(secret, "device").dumps(secrets.token_urlsafe(16))


def read_device_cookie(secret: str, value: str | None) -> str | None:
    """The device id of a device cookie, or None when missing, forged or expired."""
    device = _signed(secret, "device", value, DEVICE_SECONDS)
    return device if isinstance(device, str) else None


def csrf_ok(session: Session, form_value: str | None) -> bool:
    return bool(form_value) and hmac.compare_digest(session.csrf, str(form_value))


class RevokedSessions:
    """Session ids logged out before their expiry, shared by all server processes (a file)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / REVOKED_FILE
        self._cache: tuple[float, set[str]] = (-1.0, set())
        #: sessions this process revoked without being able to write the file
        self._local: set[str] = set()

    def load(self) -> set[str]:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return set(self._local)
        if mtime != self._cache[0]:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            self._cache = (mtime, set(data) if isinstance(data, dict) else set())
        return self._cache[1] | self._local if self._local else self._cache[1]

    def revoke(self, session: Session) -> bool:
        """Revoke a session in every worker; False when the file cannot be written, in which
        case the session is revoked in this process only."""
        self._local.add(session.sid)
        try:
            self._write(session)
        except OSError as exc:
            log.error("cannot record the logout in %s: %s", self.path, exc)
            return False
        self._local.discard(session.sid)
        return True

    def _write(self, session: Session) -> None:
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
            write_atomic(self.path, json.dumps(data))


class LoginThrottle:
    """Per-client backoff on wrong secrets, shared by the server processes (a SQLite file).

    The first ``free`` failures cost nothing; after that each failure makes the client wait
    ``base * 2**(n - free)`` seconds (at most ``cap``) before its next attempt is even checked.
    A client without a failure for ``forget`` seconds starts again from zero; at most
    ``max_clients`` clients are remembered (the least recently seen are dropped). Without a
    ``path``, or when the file cannot be written, the counters live in memory (per process).
    """

    def __init__(self, path: Path | None = None, *, free: int = 3, base: float = 1.0,
                 cap: float = 300.0, max_clients: int = 10_000, forget: float = 3600.0) -> None:
        self.path = path
        self.free, self.base, self.cap, self.max_clients = free, base, cap, max_clients
        self.forget = forget
        self._memory: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _schema(self, con: sqlite3.Connection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS failures (client TEXT PRIMARY KEY, "
                    "n INTEGER NOT NULL, until REAL NOT NULL, seen REAL NOT NULL)")

    def _in_memory(self) -> sqlite3.Connection:
        if self._memory is None:
            self._memory = sqlite3.connect(":memory:", check_same_thread=False,
                                           isolation_level=None)
            self._schema(self._memory)
        return self._memory

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            if self.path is not None and self._memory is None:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
                    try:
                        self._schema(con)
                        return work(con)
                    finally:
                        con.close()
                except (sqlite3.Error, OSError) as exc:
                    log.error("login throttle: cannot use %s (%s); counting wrong secrets in "
                              "memory, per server process", self.path, exc)
            return work(self._in_memory())

    def wait_seconds(self, client: str, now: float | None = None) -> float:
        """Seconds this client must still wait before trying again (0 when it may try)."""
        now = time.time() if now is None else now

        def work(con: sqlite3.Connection) -> float:
            row = con.execute("SELECT until FROM failures WHERE client = ?",
                              (client,)).fetchone()
            return float(row[0]) if row else 0.0

        return max(0.0, self._run(work) - now)

    def failure(self, client: str, now: float | None = None) -> float:
        """Record a wrong secret; return the seconds the client must now wait."""
        now = time.time() if now is None else now

        def work(con: sqlite3.Connection) -> float:
            con.execute("BEGIN IMMEDIATE")
            try:
                row = con.execute("SELECT n, seen FROM failures WHERE client = ?",
                                  (client,)).fetchone()
                failures = int(row[0]) if row and now - float(row[1]) < self.forget else 0
                failures += 1
                delay = 0.0
                if failures > self.free:
                    delay = min(self.cap, self.base * 2 ** (failures - self.free - 1))
                con.execute("INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)",
                            (client, failures, now + delay, now))
                con.execute("DELETE FROM failures WHERE seen < ?", (now - self.forget,))
                con.execute("DELETE FROM failures WHERE client IN (SELECT client FROM failures "
                            "ORDER BY seen DESC LIMIT -1 OFFSET ?)", (self.max_clients,))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return delay

        return self._run(work)

    def success(self, client: str) -> None:
        self._run(lambda con: con.execute("DELETE FROM failures WHERE client = ?", (client,)))

    def __len__(self) -> int:
        return int(self._run(lambda con: con.execute("SELECT count(*) FROM failures")
                             .fetchone()[0]))


def client_key(host: str | None) -> str:
    """The backoff key of a client address (an IPv6 client is keyed by its /64)."""
    if not host:
        return "?"
    if ":" in host:
        with contextlib.suppress(ValueError):
            net = ipaddress.ip_network(f"{host}/64", strict=False)
            return str(net)
    return host
