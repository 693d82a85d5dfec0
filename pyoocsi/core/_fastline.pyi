def json_line(
    payload: str, recipient: str, timestamp: int, sender: str
) -> bytes | None:
    """render_json()'s line for the usual flat payload, or None for any other."""
