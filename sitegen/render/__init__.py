"""Stage 4, render: the site model -> the bytes of every page, through Markdown and Jinja2."""

from __future__ import annotations

import hashlib
import re
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from ..config import BUILTIN_TAXONOMIES, TaxonomySpec
from ..errors import Problem, error
from ..i18n import Strings, load_strings
from ..images import Picture
from ..model import ArticlePage, EditionEmail, EditionsFeed, Feed, Page, Robots, Site, Sitemap, Taxonomy
from ..validate import Article
from . import feeds
from .email_html import InlineError, inline_css
from .links import LinkStyle, depth_of
from .pictures import SIZES, picture_html
from .reads import (
    SITEMAP_ENTRIES,
    Key,
    Recorder,
    TrackingEnvironment,
    asset_key,
    body_key,
    card_key,
    card_keys,
    feed_entry_key,
    string_key,
)
from .structured import breadcrumb_list, headline, json_ld, og_locale, persons
from .theme import Theme

_BUILTIN_TAXONOMIES = {spec.name: spec for spec in BUILTIN_TAXONOMIES}
CARD_TEMPLATE = "partials/card.html"  # what card(article) renders
HEADLINE_TEMPLATE = "partials/headline_item.html"  # each item headline_items(articles) renders
EDITION_FEED_TEMPLATE = "feed/edition.html"  # an edition as its feed entry's content
_SAFE_IN_URLS = re.compile(r"[A-Za-z0-9/_.~-]*")  # what quote() leaves as it is


class RenderError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class RenderedPage:
    data: bytes
    reads: frozenset[Key]  # what rendering it read (sitegen/render/reads.py)


class Renderer:
    """Renders the pages of one site with one theme, noting what each page reads. One
    Renderer may render several builds of the same model (the preview's body edits):
    each card it renders depends on the model and the templates only."""

    def __init__(
        self,
        site: Site,
        theme: Theme,
        site_dir: Path,
        compiled: jinja2.BytecodeCache | None = None,
        strings: Strings | None = None,
    ):
        """`strings`: the theme's words in the site's language (sitegen/i18n.py); when not
        given, read from the theme and the site as a build reads them."""
        self.site = site
        self.site_dir = site_dir
        self.theme = theme
        self.strings = strings or load_strings(site_dir, theme.folders, site.config.language)[0]
        # The rendered HTML of article bodies by slug, for the pages that show them, and
        # for the feeds (whose links into the site are full addresses); the build fills
        # them once it knows which pages it will render.
        self.bodies: Mapping[str, str] = {}
        self.feed_bodies: Mapping[str, str] = {}
        # The theme's assets' fingerprinted names by their own (sitegen/assets.py); the
        # build fills it before rendering.
        self.assets: Mapping[str, str] = {}
        self.links = LinkStyle(site.config.base_path, site.config.relative_urls)
        self._depth = 0  # how many folders below the root the page rendering now is
        self._cards: dict[Key, Markup] = {}
        self.card_reads: dict[Key, frozenset[Key]] = {}  # what each card rendered read
        self.cards_rendered: list[Key] = []  # in the order this process rendered them
        # Who checked the cards taken over from the last renderer, and how many they were.
        self._carried: tuple[object, int] = (None, 0)
        # The sitemap's line of each page, by the id of the page (kept with it): feeds.sitemap.
        self._sitemap_lines: dict[int, tuple[Page, str]] = {}
        self.env = _environment(theme, compiled)
        self.recorder = self.env.recorder
        self.env.globals.update(
            site=site,
            config=site.config,
            url=self.url,
            asset=self.asset,
            absolute_url=self.absolute_url,
            card=self.card,
            headline_items=self.headline_items,
            breadcrumb_list=breadcrumb_list,
            t=self.t,
            text_direction=self.strings.direction,
            month_year=self.month_year,
            taxonomy_title=self.taxonomy_title,
            plural_forms=self.plural_forms,
            picture=self.picture,
            status_badges=self.status_badges,
        )
        self.env.filters.update(date=self.date, month_name=self.month_name, number=self.number)

    # The theme's words (sitegen/i18n.py). Each string a page reads is recorded, so that a
    # page is rendered again when its text changes (an edit of the site's i18n/ file).
    def t(self, key: str, n: int | None = None, **values: object) -> Markup:
        """t("count.articles", n=3) -> "3 articles"; see Strings.translate."""
        self.recorder.add(string_key(key))
        return self.strings.translate(key, n, **values)

    def plural_forms(self, key: str) -> dict[str, str]:
        """A string's text by plural category, for a script that counts (with the browser's
        Intl.PluralRules, CLDR's rules as Babel's): {"other": text} for a string of one text."""
        self.recorder.add(string_key(key))
        found = self.strings.texts[key]
        return {"other": found} if isinstance(found, str) else dict(found)

    def date(self, moment: object, style: str = "long") -> str:
        if style in ("long", "short"):
            self.recorder.add(string_key(f"date.{style}"))
        return self.strings.date(moment, style)  # type: ignore[arg-type]

    def month_year(self, year: int, month: int) -> str:
        self.recorder.add(string_key("date.month_year"))
        return self.strings.month_year(year, month)

    def month_name(self, month: int) -> str:
        return self.strings.month_name(month)

    def number(self, value: int | float) -> str:
        return self.strings.number(value)

    def taxonomy_title(self, taxonomy: TaxonomySpec | Taxonomy, singular: bool = False) -> str:
        """A taxonomy's title ("Tags"), or its `singular` ("Tag"): a built-in taxonomy's
        in the site's language while site.yaml leaves it as it comes."""
        name = taxonomy.name if isinstance(taxonomy, TaxonomySpec) else taxonomy.key
        title = taxonomy.singular if singular else taxonomy.title
        builtin = _BUILTIN_TAXONOMIES.get(name)
        if builtin is None or title != (builtin.singular if singular else builtin.title):
            return title
        return str(self.t(f"taxonomy.{name}.singular" if singular else f"taxonomy.{name}"))

    def url(self, target: object) -> str:
        """The link to a page of the site: an object with a url_path, or a site-relative
        path; relative to the page rendering now with relative_urls."""
        path = target if isinstance(target, str) else target.url_path  # type: ignore[attr-defined]
        return self.links.link(path, self._depth)

    def asset(self, path: str) -> str:
        """The link to a static file by its own name ('css/style.css'): to its fingerprinted
        copy for a theme asset ('css/style.3f9a1c04d2.css'), else to the file as named."""
        name = path.lstrip("/")
        self.recorder.add(asset_key(name))
        return self.url(self.assets.get(name, name))

    def absolute_url(self, target: object, quoted: bool = False) -> str:
        path = target if isinstance(target, str) else target.url_path  # type: ignore[attr-defined]
        path = path.lstrip("/")
        if quoted and not _SAFE_IN_URLS.fullmatch(path):
            path = quote(path, safe="/")
        return self.site.config.absolute_base + path

    def picture(self, image: Picture, lead: bool = False, sizes: str = SIZES) -> Markup:
        """An image as sitegen/render/pictures.py writes it; `lead`: the page's first image,
        fetched first rather than lazily."""
        return Markup(picture_html(image, self.url, lead=lead, sizes=sizes))

    def status_badges(self, article: Article) -> Markup:
        """What an editor sees on an article wherever it is shown (its page, its cards, story
        entries) and a reader of the published site never does: a "Draft" badge (--drafts),
        a "Scheduled" one (published ahead of its date: --future, the preview). Read through
        the environment, so that what it reads is recorded as a template's reads are. Here
        rather than in a macro: cards are rendered by the thousand, and importing a macro
        into each made a card a quarter slower."""
        badges = Markup()
        if self.env.getattr(article, "draft"):
            badges += Markup(' <span class="badge">{}</span>').format(self.t("badge.draft"))
        if self.env.getattr(self.site, "scheduled")(article):
            scheduled = self.t("badge.scheduled")
            badges += Markup(' <span class="badge badge-scheduled">{}</span>').format(scheduled)
        return badges

    def card(self, article: Article, level: int = 2) -> Markup:
        """An article as listings show it (partials/card.html, with its title as an h`level`),
        rendered once per build: the same card appears on a dozen listing pages."""
        return self._fragments((article,), level, CARD_TEMPLATE, level=level)[0]

    def headline_items(self, articles: Iterable[Article]) -> Markup:
        """Articles as the items of a long list of headlines, each as partials/headline_item.html
        renders it (the year pages list thousands). Each item is rendered once and kept while
        what it read is unchanged: a date edit renders its year page again from kept items.
        One call for the whole list, as a call from a template costs more than a kept item."""
        # Joined as text: each item is Markup already (Markup.join escapes each item again).
        return Markup("\n".join(self._fragments(tuple(articles), "headline", HEADLINE_TEMPLATE)))

    def _fragments(
        self, articles: Sequence[Article], variant: int | str, template_name: str, **context: object
    ) -> list[Markup]:
        """Articles' fragments (cards, headlines), each rendered once and recorded as one key
        that stands for what it read."""
        keys = card_keys([article.slug for article in articles], variant, self._link_depth)
        self.recorder.add_all(keys)
        cards = self._cards
        for article, key in zip(articles, keys, strict=True):
            if key not in cards:
                with self.recorder.recording() as reads:
                    template = self.env.get_template(template_name)
                    html = template.render(article=article, **context)
                cards[key] = Markup(html)
                self.card_reads[key] = frozenset(reads)
                self.cards_rendered.append(key)
        return list(map(cards.__getitem__, keys))

    @property
    def _link_depth(self) -> int:
        """The page's depth where its links depend on it (relative_urls), else 0: then a
        card is the same on every page, and rendered once."""
        return self._depth if self.links.relative else 0

    def card_for_page(self, article: Article, url_path: str) -> tuple[Key, str, frozenset[Key]]:
        """The card a listing at `url_path` shows, as remember_cards takes it."""
        with self._page_at(url_path):
            html = str(self.card(article))
            key = card_key(article.slug, 2, self._link_depth)
        return key, html, self.card_reads[key]

    @contextmanager
    def _page_at(self, url_path: str) -> Iterator[None]:
        outer, self._depth = self._depth, depth_of(url_path)
        try:
            yield
        finally:
            self._depth = outer

    def remember_cards(self, cards: list[tuple[Key, str, frozenset[Key]]]) -> None:
        """Cards rendered elsewhere (in worker processes, or by the last build), as
        (card_key, html, reads)."""
        for key, html, reads in cards:
            self._cards[key] = Markup(html)
            self.card_reads[key] = reads

    def carry_over(
        self,
        last: Renderer,
        not_right: Callable[[Collection[Key], Iterable[Key] | None], Collection[Key]],
        checker: object,
    ) -> None:
        """Take over what the renderer of the last model (with the same configuration) made
        that is still right: its cards but those that `not_right` names (what they read
        changed, or what it does not know), and the sitemap's lines (feeds.sitemap says which
        it keeps). They are moved, not copied (a site has thousands): the last renderer is
        not used again. `checker` stands for what not_right knows: the cards that the last
        renderer took over were checked against it then, if it is the same, and only those it
        made or was given since are looked up (they follow them in its dict's order)."""
        cards, reads = last._cards, last.card_reads
        checked_by, count = last._carried
        fresh = islice(reads, count, None) if checked_by is None or checked_by is checker else None
        for key in not_right(reads.keys(), fresh):  # every card held has its reads there
            cards.pop(key, None)
            reads.pop(key, None)
        self._cards, self.card_reads = cards, reads
        self._carried = (checker, len(reads))
        last._cards, last.card_reads = {}, {}
        self._sitemap_lines = last._sitemap_lines

    def body_html(self, article: Article) -> Markup:
        return Markup(self.bodies[article.slug])

    def render(self, page: Page) -> RenderedPage:
        """The page's bytes and what it read; raises RenderError naming the template file
        and line on failure."""
        with self.recorder.recording() as reads, self._page_at(page.url_path):
            data = self._render(page)
        return RenderedPage(data, frozenset(reads))

    def _render(self, page: Page) -> bytes:
        data = page.data
        if isinstance(data, Feed):
            for article in data.articles:
                self.recorder.add(feed_entry_key(article.slug))
            for article in data.shown_in_full():
                self.recorder.add(body_key(article.slug))
            return feeds.atom_feed(
                self.site, page.url_path, data, self.absolute_url, lambda a: self.feed_bodies[a.slug]
            )
        if isinstance(data, Sitemap):
            self.recorder.add(SITEMAP_ENTRIES)
            sitemap, self._sitemap_lines = feeds.sitemap(self.site, self.absolute_url, self._sitemap_lines)
            return sitemap
        if isinstance(data, Robots):
            return feeds.robots(self.absolute_url)
        if isinstance(data, EditionsFeed):
            for edition in data.editions:  # the feed writes its title, date and summary itself
                self.recorder.add(("edition", edition.slug, "@repr"))
            return feeds.edition_feed(
                self.site,
                page.url_path,
                data.editions,
                self.absolute_url,
                lambda edition: self._render_template(page, EDITION_FEED_TEMPLATE, {"edition": edition}),
            )
        context = data.variables(self.site)
        if isinstance(data, ArticlePage):
            self.recorder.add(body_key(data.article.slug))
            context["body"] = self.body_html(data.article)
        html = self._render_template(page, page.template, context)
        if isinstance(data, EditionEmail):
            try:
                return inline_css(html).encode("utf-8")
            except InlineError as exc:
                where = self._label(None)
                raise RenderError(
                    error(where, None, f"the CSS of /{page.url_path} cannot be inlined: {exc}")
                ) from exc
        return html.encode("utf-8")

    def _render_template(self, page: Page, name: str, context: dict[str, object]) -> str:
        try:
            template = self.env.get_template(name)
            return template.render(page=page, **context)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(self._syntax_error(exc)) from exc
        except jinja2.TemplateNotFound as exc:
            raise RenderError(
                error(
                    self._label(None),
                    None,
                    f"template {exc.name!r} not found in theme {self.theme.name!r}",
                )
            ) from exc
        except Exception as exc:  # a template that fails while rendering: report where
            filename, line = self._template_frame(exc)
            raise RenderError(
                error(
                    self._label(filename),
                    line,
                    f"while rendering /{page.url_path}: {type(exc).__name__}: {exc}",
                )
            ) from exc

    def template_problems(self) -> list[Problem]:
        """The syntax errors of every template of the theme (`.html` and `.xml`), those no
        page uses as yet included, as a page that used them would report them."""
        problems = []
        for name in self.env.list_templates(extensions=["html", "xml"]):
            try:
                self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(self._syntax_error(exc))
        return problems

    def _syntax_error(self, exc: jinja2.TemplateSyntaxError) -> Problem:
        return error(self._label(exc.filename), exc.lineno, f"template error: {exc.message}")

    def _label(self, filename: str | None) -> str:
        if not filename:
            return f"themes/{self.theme.name}"
        path = Path(filename).resolve()
        try:
            return path.relative_to(self.site_dir.resolve()).as_posix()
        except ValueError:
            theme_root = self.theme.default_folder.parent
            try:
                return f"(built-in theme) {path.relative_to(theme_root).as_posix()}"
            except ValueError:
                return str(path)

    def _template_frame(self, exc: Exception) -> tuple[str | None, int | None]:
        template_dirs = [
            str(d) for d in (*self.theme.template_dirs(), self.theme.default_folder / "templates")
        ]
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if any(frame.filename.startswith(d) for d in template_dirs):
                return frame.filename, frame.lineno
        return None, None


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates as compiled by earlier Renderers, so that a new Renderer (a new model in
    the preview, a new process) need not compile them again: compiling the default
    theme's takes about 0.2 s. Jinja2 checks each against its template's source, and
    compiles a template that changed. `changed`: whether one was compiled since the
    store was made, or since its keeper (the engine, which saves it) last set it False."""

    def __init__(self, compiled: Mapping[str, bytes] | None = None) -> None:
        self._compiled: dict[str, bytes] = dict(compiled or {})
        self.changed = False

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:  # as Jinja2 dumped it (from_plain checks its digest)
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()
        self.changed = True

    def to_plain(self) -> dict[str, object]:
        """What the store holds, as plain data: the Jinja2 version it was compiled by
        (whose bytecode check covers the Python version only) and each template's code
        with a digest of it, which tells damage from code."""
        return {
            "jinja2": jinja2.__version__,
            "compiled": {key: (_code_digest(code), code) for key, code in self._compiled.items()},
        }

    @classmethod
    def from_plain(cls, plain: object) -> CompiledTemplates:
        """The store to_plain() gave; empty if another Jinja2 compiled it. Raises
        ValueError on anything else, or on a template whose code is damaged."""
        if not isinstance(plain, dict) or not isinstance(plain.get("compiled"), dict):
            raise ValueError("not compiled templates")
        if plain.get("jinja2") != jinja2.__version__:
            return cls()
        compiled = {}
        for key, (digest, code) in plain["compiled"].items():
            if not isinstance(key, str) or not isinstance(code, bytes) or digest != _code_digest(code):
                raise ValueError(f"damaged template code {key!r}")
            compiled[key] = code
        return cls(compiled)


def _code_digest(code: bytes) -> bytes:
    return hashlib.blake2b(code, digest_size=16).digest()


def _environment(theme: Theme, compiled: jinja2.BytecodeCache | None) -> TrackingEnvironment:
    env = TrackingEnvironment(
        Recorder(),
        bytecode_cache=compiled,
        loader=jinja2.ChoiceLoader(
            [
                # {% extends "default/base.html" %} reaches the default theme from an override.
                jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(theme.default_folder / "templates")}),
                jinja2.FileSystemLoader(theme.template_dirs()),
            ]
        ),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    # Link previews and structured data (partials/meta.html).
    env.filters.update(json_ld=json_ld, headline=headline, og_locale=og_locale, persons=persons)
    return env
