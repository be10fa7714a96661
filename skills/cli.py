"""Command-line interface (placeholder until the commands land)."""


def main() -> None:
    """Entry point of the ``skills`` command."""
