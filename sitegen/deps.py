"""What each output file is made from, as one signature per page.

A page's signature covers its template (with every template it extends, includes or
imports), the configuration, and a fingerprint of the data it shows: the articles it
lists (their front matter, summary and the names of their tags, regions and source),
the article it shows in full (its body too), and the terms, years and months it
lists. When a page's signature and its file on disk are as the last build left them,
the page need not be rendered again.

A template that reads other data through `site` (anything but `site.terms_of`), or
that reads what the terms `site.terms_of` gives hold (their articles, or how many), is
taken to depend on the whole site, so that its pages are never stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import jinja2
from jinja2 import meta, nodes

from .model import FEED, ROBOTS, SITEMAP, Month, Page, Paginator, Site, Taxonomy, Term, Year
from .validate import Article
from .version import __version__

SITE_LOOKUPS_WITHOUT_GLOBAL_DEPENDENCY = {"terms_of"}
CARD_TEMPLATE = "partials/card.html"  # what the templates' card(article) function renders


def digest(*parts: object) -> bytes:
    """A digest of `parts`: digests (bytes) and tuples of them are fed in directly, since
    the repr of a tag's thousands of article digests would cost more than hashing them."""
    hasher = hashlib.blake2b(digest_size=16)
    for part in parts:
        if isinstance(part, bytes):
            hasher.update(part)
        elif isinstance(part, str):
            hasher.update(part.encode("utf-8", "surrogatepass"))
        else:
            _feed(hasher, part)
        hasher.update(b"\x1f")
    return hasher.digest()


def _feed(hasher, value: object) -> None:
    if isinstance(value, bytes):
        hasher.update(value)
    elif isinstance(value, tuple | list):
        hasher.update(b"(%d" % len(value))
        for item in value:
            _feed(hasher, item)
        hasher.update(b")")
    else:
        hasher.update(repr(value).encode("utf-8", "surrogatepass"))
    hasher.update(b",")


@dataclass(frozen=True)
class TemplateInfo:
    digest: bytes
    uses_whole_site: bool
    # Does it read the articles (or terms, or months) of a term, taxonomy, year or month it
    # is given, not just their number? If not, a tag's page 5 need not change when an
    # article on its page 1 does.
    reads_member_articles: bool
    # Together, these make a page depend on the whole site: the terms site.terms_of gives
    # are not in the page's data, so what they hold (their articles, how many) is not either.
    calls_terms_of: bool
    touches_members: bool


class Signatures:
    """Computes page signatures for one build; every fingerprint is computed once."""

    def __init__(self, site: Site, env: jinja2.Environment, settings: object):
        self.site = site
        self.env = env
        self.settings = digest(__version__, settings, repr(site.config))
        # What a listing shows of an article (everything but its body, and its terms' names),
        # and what its own page shows (the body too).
        self._card = {article.slug: self._card_digest(article) for article in site.articles}
        self._full = {a.slug: digest(self._card[a.slug], a.body_digest) for a in site.articles}
        self._memo: dict[tuple[int, bool], bytes] = {}
        self._templates: dict[str, TemplateInfo] = {}
        self._whole_site: bytes | None = None

    def page(self, page: Page) -> bytes:
        if page.template == SITEMAP:
            listed = [
                (p.url_path, self._card[p.context["article"].slug] if "article" in p.context else b"")
                for p in self.site.pages
                if p.file_path.endswith("index.html")
            ]
            return digest("sitemap", self.settings, repr(listed))
        if page.template == ROBOTS:
            return digest("robots", self.settings)
        if page.template == FEED:
            shown = self._full if page.context.get("full_content", False) else self._card
            entries = b"".join([shown[a.slug] for a in page.context["articles"]])
            return digest("feed", self.settings, page.url_path, page.context["title"], entries)
        template = self.template(page.template)
        deep = template.reads_member_articles
        context = b"".join(
            [
                b"%s=%s;"
                % (
                    key.encode(),
                    self._full[value.slug] if key == "article" else self._fingerprint(value, deep),
                )
                for key, value in sorted(page.context.items())
            ]
        )
        whole_site = self.whole_site() if template.uses_whole_site else b""
        return digest("page", self.settings, page.url_path, template.digest, whole_site, context)

    def template(self, name: str, seen: frozenset[str] = frozenset()) -> TemplateInfo:
        if name not in self._templates:
            self._templates[name] = self._template_info(name, seen | {name})
        return self._templates[name]

    def _template_info(self, name: str, seen: frozenset[str]) -> TemplateInfo:
        source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        tree = self.env.parse(source)
        parts = [name, source]
        beyond_terms = _reads_site_beyond_terms(tree)
        reads_members = _reads_member_articles(tree)
        calls_terms_of = _calls_site(tree, "terms_of")
        touches_members = _reads_member_articles(tree, even_counted=True)
        referenced_names = set(meta.find_referenced_templates(tree))
        if _calls(tree, "card") and CARD_TEMPLATE not in seen:
            # A card is rendered on its own, once per build, from its article alone: what it
            # reads joins the page's signature, but its variables never meet the page's.
            card = self.template(CARD_TEMPLATE, seen)
            parts.append(card.digest)
            beyond_terms |= card.uses_whole_site
        for referenced in sorted(referenced_names, key=str):
            if referenced is None:  # a name computed at run time: could be any template
                parts.extend(self._all_template_sources())
                beyond_terms = reads_members = True
                continue
            if referenced in seen:  # a template that includes itself, directly or not
                continue
            info = self.template(referenced, seen)
            parts.append(info.digest)
            beyond_terms |= info.uses_whole_site
            reads_members |= info.reads_member_articles
            calls_terms_of |= info.calls_terms_of
            touches_members |= info.touches_members
        uses_whole_site = beyond_terms or (calls_terms_of and touches_members)
        return TemplateInfo(digest(*parts), uses_whole_site, reads_members, calls_terms_of, touches_members)

    def _all_template_sources(self) -> Iterable[str]:
        for name in sorted(self.env.list_templates()):
            yield name
            yield self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]

    def whole_site(self) -> bytes:
        if self._whole_site is None:
            self._whole_site = digest(b"".join([self._full[a.slug] for a in self.site.articles]))
        return self._whole_site

    def _card_digest(self, article: Article) -> bytes:
        terms = [(t.slug, t.name) for key in self.site.taxonomies for t in self.site.terms_of(article, key)]
        return digest(article.front_matter_digest, repr(terms))

    def _fingerprint(self, value: object, deep: bool) -> bytes:
        """Bytes that change whenever what a template could show of `value` changes; with
        `deep` False, a term, year or month stands for its name and count, not its articles."""
        if isinstance(value, Article):
            return self._card[value.slug]
        if isinstance(value, Term | Taxonomy | Year | Month):
            key = (id(value), deep)  # the model is immutable for the whole build
            if key not in self._memo:
                self._memo[key] = self._fingerprint_composite(value, deep)
            return self._memo[key]
        if isinstance(value, tuple | list):
            if value and isinstance(value[0], Article):
                return b"".join([self._card[a.slug] for a in value])
            return digest(*(self._fingerprint(v, deep) for v in value))
        if isinstance(value, Paginator):
            return repr((value.number, value.count, value.base_path)).encode()
        if isinstance(value, dict):
            return digest(*(k.encode() + self._fingerprint(v, deep) for k, v in sorted(value.items())))
        return repr(value).encode("utf-8", "surrogatepass")

    def _fingerprint_composite(self, value: Term | Taxonomy | Year | Month, deep: bool) -> bytes:
        if not deep:  # what a page shows of a term, year or month it does not list: names, counts
            if isinstance(value, Taxonomy):
                return digest(value.key, value.title, value.singular, value.has_feeds)
            if isinstance(value, Year):
                return digest(value.year, value.count)
            if isinstance(value, Term):
                return digest(value.taxonomy, value.slug, value.name, len(value.articles))
            return digest(value.year, value.month, len(value.articles))
        if isinstance(value, Taxonomy):
            return digest(
                value.key, value.title, value.singular, value.has_feeds, self._fingerprint(value.terms, deep)
            )
        if isinstance(value, Year):
            return digest(value.year, self._fingerprint(value.months, deep))
        if isinstance(value, Term):
            return digest(value.taxonomy, value.slug, value.name, self._fingerprint(value.articles, deep))
        return digest(value.year, value.month, self._fingerprint(value.articles, deep))


def _reads_site_beyond_terms(tree: nodes.Template) -> bool:
    """Does the template use `site` other than as `site.terms_of(...)`?"""

    def visit(node: nodes.Node, parent: nodes.Node | None) -> bool:
        if isinstance(node, nodes.Name) and node.name == "site":
            return not (
                isinstance(parent, nodes.Getattr) and parent.attr in SITE_LOOKUPS_WITHOUT_GLOBAL_DEPENDENCY
            )
        return any(visit(child, node) for child in node.iter_child_nodes())

    return visit(tree, None)


MEMBERS = ("articles", "terms", "months")  # what a term, taxonomy, year or month holds


def _reads_member_articles(tree: nodes.Template, *, even_counted: bool = False) -> bool:
    """Does the template read what a term, taxonomy, year or month holds (`x.articles`,
    `x['terms']`, `x | attr('months')`, `map(attribute='articles')`) other than as a count
    (`x.articles | length`), or at all with `even_counted`? A subscript whose key is
    computed could be any of them."""

    def visit(node: nodes.Node, parent: nodes.Node | None) -> bool:
        member = (isinstance(node, nodes.Getattr) and node.attr in MEMBERS) or (
            isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const)
        )
        if member or (isinstance(node, nodes.Const) and node.value in MEMBERS):
            counted = isinstance(parent, nodes.Filter) and parent.name in ("length", "count")
            if even_counted or not counted:
                return True
        return any(visit(child, node) for child in node.iter_child_nodes())

    return visit(tree, None)


def _calls_site(tree: nodes.Template, method: str) -> bool:
    return any(
        isinstance(node.node, nodes.Name) and node.node.name == "site" and node.attr == method
        for node in tree.find_all(nodes.Getattr)
    )


def _calls(tree: nodes.Template, function: str) -> bool:
    return any(
        isinstance(call.node, nodes.Name) and call.node.name == function for call in tree.find_all(nodes.Call)
    )
