"""One line and exit status 2 for a bad argument of a ``petasinyal`` subcommand."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["one_line_errors"]


def one_line_errors(parser: argparse.ArgumentParser, name: str) -> None:
    """A bad argument gets one line and exit status 2, not the usage text."""

    def error(message: str) -> NoReturn:
        print(
            f"petasinyal {name}: error: {message} (see petasinyal {name} --help)", file=sys.stderr
        )
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]
