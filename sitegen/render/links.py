"""How a page links to another file of the site: the one rule every link a page shows
follows (templates' `url()` and `asset()`, cards, root-relative links in Markdown bodies).

With `relative_urls: false` (the default) a link is the site path under the base path of
`base_url` (`/briefings/tags/trade/`). With `relative_urls: true` it is relative to the
page's own folder and names a file (`../../tags/trade/index.html`), so that the site
works opened from disk (file://) or moved to any folder: a browser shows a folder's
index.html over HTTP, but not from disk.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinkStyle:
    base_path: str  # the path of base_url, with a leading and a trailing slash
    relative: bool  # relative_urls

    def link(self, site_path: str, depth: int) -> str:
        """The link to `site_path` (a path in the site, such as 'tags/trade/' or
        'css/style.css', perhaps with a query or fragment) from a page in a folder `depth`
        folders below the site's root (depth_of)."""
        path = site_path.lstrip("/")
        if not self.relative:
            return self.base_path + path
        cut = min((i for i in (path.find("?"), path.find("#")) if i >= 0), default=len(path))
        path, rest = path[:cut], path[cut:]
        if path == "" or path.endswith("/"):
            path += "index.html"  # from disk, a folder is not its index.html
        link = "../" * depth + path + rest
        # 'a:b/x' would read as a URL of the scheme 'a'; './a:b/x' is the path.
        first = link.split("/", 1)[0]
        return "./" + link if ":" in first else link


def depth_of(url_path: str) -> int:
    """How many folders below the site's root a page's file is: 0 for the home page ('')
    and 404.html, 2 for 'articles/x/' (articles/x/index.html), 1 for 'tags/feed.xml'."""
    return url_path.count("/")
