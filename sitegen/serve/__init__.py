"""The live preview: a client of the build API that serves, watches and reloads."""

from .preview import BuildReport, Preview, is_loopback

__all__ = ["BuildReport", "Preview", "is_loopback"]
