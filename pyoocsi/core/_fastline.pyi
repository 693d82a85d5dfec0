from collections.abc import Callable

def json_line(
    payload: str, recipient: str, clock: Callable[[], int], sender: str
) -> bytes | None:
    """render_json()'s line for the usual flat payload, or None for any other."""

def websocket_frame(
    payload: str, recipient: str, clock: Callable[[], int], sender: str
) -> bytes | None:
    """The message's websocket frame for the usual flat payload, or None."""
