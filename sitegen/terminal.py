"""What the command line shows on a terminal while it works."""

from __future__ import annotations

import os
import sys
import time


def interactive() -> bool:
    """Is standard error a terminal a person watches (not a CI log)?"""
    return sys.stderr.isatty() and not os.environ.get("CI")


class ProgressLine:
    """One line on the terminal, rewritten as a long build goes: 'render 5120/13400'."""

    def __init__(self) -> None:
        self._shown = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.show(f"{stage} {done}/{total}", final=done >= total)

    def show(self, text: str, final: bool = False) -> None:
        """Show `text` in place of the line's last text (at most ten times a second, unless `final`)."""
        now = time.monotonic()
        if not final and now - self._shown < 0.1:
            return
        self._shown = now
        print(f"\r{text}\x1b[K", end="", file=sys.stderr, flush=True)

    def clear(self) -> None:
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)
