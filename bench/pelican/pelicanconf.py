# Pelican's side of bench/run.py: the same kinds of pages as sitegen's. Pelican has no
# region or source taxonomy: the benchmark writes the region as the category and the
# outlet as the author, so those pages exist too. LOAD_CONTENT_CACHE is appended per run.
SITENAME = "Benchmark"
SITEURL = "https://example.org"
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 20
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
TAG_FEED_ATOM = "feeds/tag-{slug}.atom.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
ARTICLE_URL = ARTICLE_SAVE_AS = "articles/{slug}/index.html"
TAG_URL = TAG_SAVE_AS = "tags/{slug}/index.html"
CATEGORY_URL = CATEGORY_SAVE_AS = "regions/{slug}/index.html"
AUTHOR_URL = AUTHOR_SAVE_AS = "sources/{slug}/index.html"
CACHE_CONTENT = True
MARKDOWN = {"extension_configs": {"markdown.extensions.extra": {}, "markdown.extensions.smarty": {}}}
