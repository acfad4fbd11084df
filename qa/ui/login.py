"""Who is asking: the UI's logins, read from the environment, and the owner their conversations are saved under.

With a login, a conversation belongs to the user who asked ("user:ann").
Without one, it belongs to the browser it was asked in: the page keeps a
random key in the browser's localStorage, and conversations are saved under
"browser:<key>", so whoever opens the page elsewhere sees none of them. An
API caller without a login names its key itself, and sees only what was
saved under that key.

    QA_UI_USER=ann QA_UI_PASSWORD=s3cret              # one user
    QA_UI_USERS="ann:pw1,bob:pw2"                     # several (a password may not hold a comma here)
    QA_UI_USERS_FILE=users.txt                        # one user:password a line; # starts a comment
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from qa.errors import QAError

Login = tuple[str, str]
BROWSER_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def login_from_env() -> Login | None:
    """(user, password) from QA_UI_USER / QA_UI_PASSWORD, None when neither is set."""
    user, password = os.environ.get("QA_UI_USER", ""), os.environ.get("QA_UI_PASSWORD", "")
    if not user and not password:
        return None
    if not user or not password:
        raise QAError("Set both QA_UI_USER and QA_UI_PASSWORD to require a login, or neither.")
    return user, password


def logins_from_env() -> list[Login]:
    """Every login the UI accepts: QA_UI_USER/QA_UI_PASSWORD, QA_UI_USERS and the file QA_UI_USERS_FILE names.

    An empty list means the UI asks for no login. A user named twice, or an
    entry without a user or a password, is refused with where it is (never with its password).
    """
    logins: list[tuple[Login, str]] = []
    single = login_from_env()
    if single:
        logins.append((single, "QA_UI_USER"))
    listed = os.environ.get("QA_UI_USERS", "")
    logins += [(login, "QA_UI_USERS") for login in parse_logins(listed.split(","), "QA_UI_USERS")]
    path = os.environ.get("QA_UI_USERS_FILE", "")
    if path:
        try:
            lines = Path(path).expanduser().read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise QAError(f"Cannot read QA_UI_USERS_FILE '{path}' ({exc.strerror or exc}); it should hold one user:password a line.") from None
        where = f"QA_UI_USERS_FILE '{path}'"
        logins += [(login, where) for login in parse_logins(lines, where)]
    seen: dict[str, str] = {}
    for (user, _), where in logins:
        if user in seen:
            raise QAError(f"The user '{user}' is named twice ({seen[user]} and {where}); name each user once.")
        seen[user] = where
    return [login for login, _ in logins]


def parse_logins(entries: list[str], where: str) -> list[Login]:
    """(user, password) pairs from "user:password" entries; blank entries and "#" comments are skipped.

    >>> parse_logins(["ann:pw1", " bob : p:w2 ", "", "# a comment"], "QA_UI_USERS")
    [('ann', 'pw1'), ('bob', 'p:w2')]
    >>> parse_logins(["ann"], "QA_UI_USERS")
    Traceback (most recent call last):
    ...
    qa.errors.QAError: Entry 1 of QA_UI_USERS ('ann') is not user:password.
    """
    logins = []
    for number, entry in enumerate(entries, 1):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        user, colon, password = entry.partition(":")
        user, password = user.strip(), password.strip()
        if not colon or not user or not password:
            shown = user if colon else entry
            raise QAError(f"Entry {number} of {where} ({shown!r}) is not user:password.")
        logins.append((user, password))
    return logins


def new_browser_key() -> str:
    """A random key for a browser that has none yet (24 URL-safe characters)."""
    return secrets.token_urlsafe(18)


def owner_of(username: str | None, browser: str | None) -> str:
    """Whose conversations these are: the logged-in user, else the browser's key.

    >>> owner_of("ann", "k" * 24), owner_of(None, "k" * 24)
    ('user:ann', 'browser:kkkkkkkkkkkkkkkkkkkkkkkk')

    Without a login and without a usable key there is no owner: QAError.
    """
    if username:
        return f"user:{username}"
    key = (browser or "").strip()
    if not BROWSER_KEY.fullmatch(key):
        if not key:
            raise QAError(
                "Without a login, conversations belong to a browser key: pass browser=KEY "
                "(16 to 64 letters, digits, - or _), the same key each time, to see what was saved under it."
            )
        raise QAError(f"The browser key {key[:80]!r} is not usable: use 16 to 64 letters, digits, - or _.")
    return f"browser:{key}"
