"""Held and retained messages (and heyOOCSI devices) kept in SQLite, so a
restart loses none of them.

The hub calls this store before it acknowledges a change (see
:mod:`pyoocsi.core.store`); each call is one committed transaction in WAL mode,
which survives the process being killed at any point. A crash after a held
message was delivered but before its removal was written delivers it again
after the restart: at least once, never lost.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoocsi.core.encoding import ENVELOPE_KEYS, parse_object
from pyoocsi.core.message import Message
from pyoocsi.core.store import Retained
from pyoocsi.server.config import ConfigError

if TYPE_CHECKING:
    from pyoocsi.core.hub import Hub

__all__ = ["StateStore"]

logger = logging.getLogger("pyoocsi.state")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    ident INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    due INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    name TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS retained (
    channel TEXT PRIMARY KEY,
    password TEXT,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    data BLOB NOT NULL,
    until INTEGER NOT NULL
);
"""


def _dump(message: Message) -> bytes:
    # The message's own JSON line: exact for big integers and Java doubles.
    return message.json_line()


def _load(sender: str, recipient: str, timestamp: int, line: bytes) -> Message:
    data = parse_object(line.decode("utf-8"))
    for key in ENVELOPE_KEYS:
        data.pop(key, None)
    return Message(sender, recipient, timestamp, data)


class StateStore:
    """One SQLite database in the state directory."""

    FILE = "pyoocsi-state.sqlite3"

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> StateStore:
        """Open (creating if needed) the database in ``directory``."""
        folder = Path(directory)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / cls.FILE
            connection = sqlite3.connect(path, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot use state directory {folder}: {exc}") from None
        logger.info("keeping held and retained messages in %s", path)
        return cls(connection, path)

    def restore(self, hub: Hub) -> None:
        """Give the hub every stored message that is still wanted."""
        pending = self._db.execute(
            "SELECT ident, sender, recipient, due, data FROM pending"
            " ORDER BY due, ident"
        ).fetchall()
        for ident, sender, recipient, due, data in pending:
            hub.restore_pending(ident, _load(sender, recipient, due, data))
        retained = self._db.execute(
            "SELECT channel, password, sender, recipient, timestamp, data, until "
            "FROM retained"
        ).fetchall()
        for channel, password, sender, recipient, stamp, data, until in retained:
            message = _load(sender, recipient, stamp, data)
            hub.restore_retained(Retained(channel, password, message, until))
        self._db.execute("DELETE FROM retained WHERE until <= ?", (hub.wall_ms(),))
        logger.info(
            "restored %d held and %d retained messages", len(pending), len(retained)
        )

    # Store: what the hub calls ------------------------------------------------

    def pending_added(self, ident: int, message: Message) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?)",
            (
                ident,
                message.sender,
                message.recipient,
                message.timestamp,
                _dump(message),
            ),
        )

    def pending_done(self, idents: list[int]) -> None:
        self._db.executemany(
            "DELETE FROM pending WHERE ident = ?", [(ident,) for ident in idents]
        )

    def retained_set(self, retained: Retained) -> None:
        message = retained.message
        self._db.execute(
            "INSERT OR REPLACE INTO retained VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                retained.channel,
                retained.password,
                message.sender,
                message.recipient,
                message.timestamp,
                _dump(message),
                retained.until,
            ),
        )

    def retained_cleared(self, channel: str) -> None:
        self._db.execute("DELETE FROM retained WHERE channel = ?", (channel,))

    # DeviceStore: what the heyOOCSI registry calls ----------------------------

    def devices(self) -> list[tuple[str, str, dict[str, Any]]]:
        """The stored announcements: (device name, sender, value)."""
        rows = self._db.execute("SELECT name, sender, data FROM devices ORDER BY rowid")
        return [(name, sender, json.loads(data)) for name, sender, data in rows]

    def device_set(self, name: str, sender: str, value: dict[str, Any]) -> None:
        # an update keeps the row, so devices come back in order of first
        # announcement, as the registry keeps them
        self._db.execute(
            "INSERT INTO devices VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE"
            " SET sender = excluded.sender, data = excluded.data",
            (name, sender, json.dumps(value)),
        )

    def device_removed(self, name: str) -> None:
        self._db.execute("DELETE FROM devices WHERE name = ?", (name,))

    def close(self) -> None:
        self._db.close()
