"""sitegen: a static site generator for curated news briefings."""

from .build import BuildResult, build, load_site
from .errors import Problem, SiteError, UsageError
from .version import __version__

__all__ = ["BuildResult", "Problem", "SiteError", "UsageError", "__version__", "build", "load_site"]
