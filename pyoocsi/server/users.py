"""The users file: private client names and their password hashes.

Format: UTF-8 text, one ``name:hash`` per line, ``#`` starts a comment, and a
hash is ``pbkdf2_sha256$<iterations>$<salt>$<digest>`` (salt and digest in
URL-safe base64, standard library PBKDF2-HMAC-SHA256). ``oocsi users add``
writes it; the server reads it once at start.

A name in the file is reserved: it connects only as ``name:password`` with the
right password. Checking a password costs one PBKDF2 run (about 0.1 s), which
the server makes in a worker thread; a password that was right once is
remembered (as a SHA-256 of salt and password) and recalled cheaply afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from pyoocsi.server.config import ConfigError

__all__ = ["ITERATIONS", "UsersFile", "hash_password"]

logger = logging.getLogger("pyoocsi.users")

ITERATIONS = 200_000  # PBKDF2 rounds for new hashes: ~0.1 s on a laptop core
_SCHEME = "pbkdf2_sha256"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    """A new salted hash of ``password`` in the users-file format."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{_SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


@dataclass(frozen=True, slots=True)
class _Hash:
    iterations: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, text: str) -> _Hash:
        scheme, iterations, salt, digest = text.split("$")
        if scheme != _SCHEME or int(iterations) < 1:
            raise ValueError(scheme)
        return cls(int(iterations), _unb64(salt), _unb64(digest))

    def matches(self, password: str) -> bool:
        candidate = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), self.salt, self.iterations
        )
        return hmac.compare_digest(candidate, self.digest)

    def remembered(self, password: str) -> bytes:
        """What is kept of a password found right: cheap to compare again."""
        return hashlib.sha256(self.salt + password.encode()).digest()


def _line_name(line: str) -> str:
    """The name a users-file line is about (empty for comments and blanks)."""
    return line.split("#", 1)[0].strip().partition(":")[0].strip()


class UsersFile:
    """Private names and their hashes, read from and written to one file."""

    def __init__(self, path: Path, lines: list[str], hashes: dict[str, str]) -> None:
        self.path = path
        self._lines = lines  # kept so comments survive a rewrite
        self._hashes = hashes
        self._known_good: dict[str, bytes] = {}

    @classmethod
    def load(cls, path: str | os.PathLike[str], missing_ok: bool = False) -> UsersFile:
        """Read a users file; raises ConfigError naming the bad line."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            if missing_ok:
                return cls(file, [], {})
            raise ConfigError(f"users file {file} does not exist") from None
        except OSError as exc:
            raise ConfigError(
                f"cannot read users file {file}: {exc.strerror}"
            ) from None
        hashes: dict[str, str] = {}
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            name, sep, hashed = entry.partition(":")
            try:
                if not sep or not name.strip():
                    raise ValueError(entry)
                _Hash.parse(hashed.strip())
            except ValueError:
                raise ConfigError(
                    f"users file {file}, line {number}: expected name:{_SCHEME}$..."
                ) from None
            hashes[name.strip()] = hashed.strip()
        return cls(file, lines, hashes)

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, name: object) -> bool:
        return name in self._hashes

    def names(self) -> list[str]:
        return list(self._hashes)

    def recall(self, name: str, password: str) -> bool | None:
        """The verdict on ``password`` that needs no PBKDF2 run, or None.

        False for a name not in the file, True for a password that was right
        before; None when only :meth:`check` can tell.
        """
        hashed = self._hashes.get(name)
        if hashed is None:
            return False
        quick = _Hash.parse(hashed).remembered(password)
        if hmac.compare_digest(self._known_good.get(name, b""), quick):
            return True
        return None

    def check(self, name: str, password: str) -> bool:
        """Whether ``password`` is right for the private name ``name``.

        May run in a worker thread: it only adds to what :meth:`recall` knows.
        """
        known = self.recall(name, password)
        if known is not None:
            return known
        parsed = _Hash.parse(self._hashes[name])
        if not parsed.matches(password):
            return False
        self._known_good[name] = parsed.remembered(password)
        return True

    def set(self, name: str, password: str, iterations: int = ITERATIONS) -> None:
        """Add a name or change its password (in memory; :meth:`save` writes)."""
        hashed = hash_password(password, iterations)
        line = f"{name}:{hashed}"
        for index, old in enumerate(self._lines):
            if _line_name(old) == name:
                self._lines[index] = line
                break
        else:
            self._lines.append(line)
        self._hashes[name] = hashed
        self._known_good.pop(name, None)

    def remove(self, name: str) -> bool:
        """Forget a name; False if it was not there."""
        if self._hashes.pop(name, None) is None:
            return False
        self._lines = [line for line in self._lines if _line_name(line) != name]
        return True

    def save(self) -> None:
        """Write the file atomically, readable by its owner only."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in self._lines))
        os.replace(temporary, self.path)
