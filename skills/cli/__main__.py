"""``python -m skills.cli``: the ``skills`` command."""

from skills.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
