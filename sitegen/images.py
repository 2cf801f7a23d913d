"""The images articles show, as the site publishes them.

A local image (an article's `image:`, or an image in its Markdown body: a path relative to
the article file, or a root-relative path into `static/`) is published in several widths
(sitegen/imaging.py), as WebP and in its own format, under

    images/<key>/<name>-<width>.<webp|jpg|png>

where <key> is 16 hex digits of a hash of the image's bytes and of how images are
encoded: a URL never changes while its bytes do not, so it may be cached for ever. An
SVG or GIF under `static/` is linked as it is (a vector image needs no widths, and a
resized GIF would lose its animation); a remote image is linked as written. An article
without a usable image gets a social card (`social_cards: true`, the default) as the
image its link previews show.

What is encoded is kept in the build cache by content (the cache key is the file name),
so a build encodes only new or changed images; what an image file measures is kept by
its size, mtime and change time, as article files are.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import hashlib
import json
import os
import posixpath
import re
import stat
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .cache import SourceStat, untrusted_since
from .config import SiteConfig
from .errors import Problem, error, warning
from .imaging import (
    CARD_DESIGN,
    CARD_SIZE,
    ENCODING,
    FORMATS,
    CardStyle,
    CardText,
    ImageReadError,
    Measured,
    draw_card,
    encode,
    measure,
    scaled_height,
    variant_widths,
)
from .load import touches
from .parallel import can_fork, chunked, map_in_processes
from .slugs import slugify
from .write import folders_of

if TYPE_CHECKING:  # validate.py imports this module for body_images
    from .validate import Article, ValidatedFile

IMAGES_DIR = "images"
CARD_NAME = "card.png"
PASSED_THROUGH = (".svg", ".gif")  # linked as they are, from static/ only
SOURCE_FOLDERS = ("content/", "static/")
# Why a stat finds no file (as pathlib's exists() takes them): missing, a file where a folder
# should be, a link that loops.
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)
PARALLEL_FROM = 4  # fewer images than this encode quicker in this process


@dataclass(frozen=True)
class Variant:
    """One published copy of an image."""

    path: str  # in the site: 'images/3f9a1c04d2e1b7a0/map-960.webp'
    width: int
    height: int
    mime: str  # 'image/webp'


@dataclass(frozen=True)
class Picture:
    """An image as a page shows it. Templates print it with `picture(image)`."""

    src: str  # a site path ('images/.../map-960.jpg', 'images/map.svg'), or a remote URL as written
    alt: str  # '' when the article gives none
    remote: bool = False
    width: int | None = None  # of the widest copy, for the width and height attributes
    height: int | None = None
    variants: tuple[Variant, ...] = ()  # WebP, then the image's own format, each narrowest first
    caption: str | None = None


@dataclass(frozen=True)
class ShareImage:
    """The image a link preview of an article shows (og:image, twitter:image, JSON-LD image)."""

    url: str  # a full address
    width: int | None  # None for a remote or passed-through image, whose size sitegen does not know
    height: int | None
    mime: str | None
    alt: str
    generated: bool = False  # a social card


@dataclass(frozen=True)
class ArticleImages:
    lead: Picture | None  # its `image:`
    share: ShareImage | None
    body: Mapping[str, Picture] = field(default_factory=dict)  # local body images, by file ('content/...')


@dataclass(frozen=True)
class _Encode:
    """How to make a file of the store: a local image's variants, or a card."""

    source: str  # the image's file, relative to the site folder ('' for a card)
    variants: tuple[tuple[str, int, int, str], ...]  # (store name, width, height, format)
    card: tuple[CardText, CardStyle] | None = None


@dataclass(frozen=True)
class SiteImages:
    articles: Mapping[str, ArticleImages]  # by slug
    files: Mapping[str, str]  # each published image's store name, by its path in the site
    work: tuple[_Encode, ...]  # how to make each store file (the made ones are skipped)
    # Per slug: what its page's body shows of images, for the dependency graph.
    body_digests: Mapping[str, bytes] = field(default_factory=dict)
    digest: bytes = b""  # what the model takes from the images: every article's lead and share image
    shown: bytes = b""  # what pages show of images: the digest, and what every body shows


@dataclass(frozen=True)
class BodyImage:
    """An image a Markdown body shows, as its file writes it."""

    src: str
    alt: str
    line: int  # in the article file


# Body images ------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ALT = r"((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)"
_INLINE = re.compile(r"!\[" + _ALT + r"\]\(\s*(<[^>\n]*>|[^\s()]+(?:\([^\s()]*\)[^\s()]*)*)")
_REFERENCED = re.compile(r"!\[" + _ALT + r"\](?!\()(?:\s?\[([^\]]*)\])?")
_DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)


def body_images(body: str, first_line: int) -> tuple[BodyImage, ...]:
    """The images of a Markdown body (inline `![alt](src)` and by reference `![alt][ref]`),
    with the line of each in the file (`first_line`: the body's). Images in fenced code
    blocks are left out: they are shown as code."""
    lines = body.split("\n")
    fence = None
    for number, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            lines[number] = ""
        elif opened:
            fence = opened.group(1)
            lines[number] = ""
    definitions = {
        _label_key(m.group(1)): _unbracket(m.group(2)) for m in _DEFINITION.finditer("\n".join(lines))
    }
    found = []
    for number, line in enumerate(lines):
        for match in _INLINE.finditer(line):
            found.append(
                BodyImage(_unbracket(match.group(2)), _plain_alt(match.group(1)), first_line + number)
            )
        for match in _REFERENCED.finditer(line):
            src = definitions.get(_label_key(match.group(2) or match.group(1)))
            if src is not None:
                found.append(BodyImage(src, _plain_alt(match.group(1)), first_line + number))
    return tuple(found)


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _unbracket(src: str) -> str:
    return src[1:-1].strip() if src.startswith("<") and src.endswith(">") else src


def _plain_alt(alt: str) -> str:
    return re.sub(r"\\(.)", r"\1", alt).strip()


def alt_warnings(path: str, image_line: int | None, has_image: bool, has_alt: bool,
                 images: tuple[BodyImage, ...]) -> list[Problem]:  # fmt: skip
    """A warning for each image without alt text: an `image:` without `image_alt` or
    `image_caption`, a body image with an empty alt."""
    problems = []
    if has_image and not has_alt:
        problems.append(
            warning(
                path, image_line, "image: no alt text: add image_alt (or image_caption) describing the image"
            )
        )
    for image in images:
        if not image.alt:
            problems.append(
                warning(
                    path,
                    image.line,
                    f"image {image.src!r} has no alt text: write it between the brackets, ![...]",
                )
            )
    return problems


def local_label(written: str, article_path: str) -> str | None:
    """The file (relative to the site folder) a local image's address names: a root-relative
    path is in static/, any other relative to the article's file. None for a remote image
    (an address with a scheme or a host) or one with no path."""
    parts = urlsplit(written)
    if parts.scheme or parts.netloc or written.startswith("//"):
        return None
    path = unquote(parts.path)
    if not path:
        return None
    if path.startswith("/"):
        return "static/" + posixpath.normpath(path).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(article_path), path))


# The images of a site ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Measure:
    stat: SourceStat
    key: str  # hash of its bytes and ENCODING
    measured: Measured


@dataclass(frozen=True)
class _Resolved:
    """What an article shows of images, with what the site takes from that."""

    images: ArticleImages
    digest: bytes  # what the model takes from it
    files: tuple[tuple[str, str], ...]  # (path in the site, store name) of each file it publishes
    work: tuple[tuple[str, _Encode], ...]  # how to make those, keyed by image file or card
    body_digest: bytes | None  # what its body shows of images, if any
    labels: tuple[str, ...]  # the local image files it shows (relative to the site folder)
    measures: tuple[tuple[str, _Measure], ...]  # those measured, with their measures


@dataclass(frozen=True)
class _LastResolved:
    """What Images.resolve found when it last looked at every article (and found no problem)."""

    labels: list[str]  # every article file, in the order given
    slugs: dict[str, str]  # the published articles' slugs, by label
    image_paths: frozenset[str]  # the image files articles show, and the folders holding them
    images: SiteImages


class ImageStore:
    """The encoded files, by store name: in the build cache's images/ folder, or (without
    a cache) in memory. `made` counts the files this store encoded."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._memory: dict[str, bytes] = {}
        self.made = 0

    def get(self, name: str) -> Path | bytes | None:
        if self.folder is None:
            return self._memory.get(name)
        # Strings, not Path objects: a build looks up every variant of every image
        # (14,000 at 10,000 articles), and pathlib's parsing was most of that time.
        path = os.path.join(self.folder, name[:2], name)
        return Path(path) if os.path.isfile(path) else None

    def put(self, name: str, data: bytes) -> None:
        self.made += 1
        if self.folder is None:
            self._memory[name] = data
            return
        try:
            folder = self.folder / name[:2]
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, folder / name)
        except OSError:  # a cache that cannot be written: keep it in memory
            self._memory[name] = data
            self.folder = None


class Images:
    """Finds, measures and encodes a site's images, remembering what it measured and
    encoded (in `cache_folder`, if given) from one build to the next."""

    def __init__(self, site_dir: Path, cache_folder: Path | None):
        self.site_dir = site_dir
        self.store = ImageStore(cache_folder / IMAGES_DIR if cache_folder else None)
        self._measures_file = cache_folder / "image-sizes.json" if cache_folder else None
        self._measures: dict[str, _Measure] | None = None
        self._measured_data: dict[str, bytes] = {}  # bytes read this build, for encoding
        # The last build's, with its settings: by slug, the article and its body's images
        # (the very objects) and what they show.
        self._memo: tuple[object, dict[str, tuple[Article, tuple[BodyImage, ...], _Resolved]]] = (None, {})
        self._last: _LastResolved | None = None  # the last call's, if it found no problem

    def resolve(
        self,
        config: SiteConfig,
        card_style: CardStyle,
        files: Mapping[str, ValidatedFile],
        drafts: bool,
        changed: Collection[str] | None = None,
    ) -> tuple[SiteImages, list[Problem]]:
        """Every published article's images, as pages show them, from the article files
        (validated, by label; drafts count with `drafts`); errors for those missing or
        unreadable. `changed`: the files (relative to the site folder) that changed since the
        last call, as a file watcher reports them; None: any may have, so every image file is
        looked at."""
        settings = (config.title, config.language, config.absolute_base, config.social_cards, card_style)
        if self._memo[0] == settings and changed is not None:
            kept = self._after_edits(config, card_style, files, drafts, changed)
            if kept is not None:
                return kept, []
        published = [
            (f.article, f.images, f.key_lines)
            for f in files.values()
            if f.article and _published(f.article, drafts)
        ]
        return self._resolve_all(config, card_style, settings, published, changed, list(files))

    def _after_edits(
        self,
        config: SiteConfig,
        card_style: CardStyle,
        files: Mapping[str, ValidatedFile],
        drafts: bool,
        changed: Collection[str],
    ) -> SiteImages | None:
        """The last call's SiteImages, when the files changed since are article files that
        show just what they showed then; else None (look at every article). At 100,000
        articles, a look at every one costs more than the rest of a body edit.

        Every other article file is then the very same as last time (a watcher names every
        file that changed), so it shows what it showed; no image file may have changed (a
        change at any other path than an article file's is one, unless it is neither an
        image file an article shows nor a folder holding one); and the articles are the same
        ones in the same order, each published as before."""
        last = self._last
        if last is None or last.labels != list(files):
            return None
        memo = self._memo[1]
        edited = []
        for path in changed:
            if path in files:
                edited.append(path)
            elif path in last.image_paths:
                return None
        renewed = []
        for label in edited:
            found = files[label]
            article = found.article
            if article is None or not _published(article, drafts):
                if last.slugs.get(label) is None:
                    continue  # not published then either
                return None
            kept = memo.get(article.slug)
            if kept is None or last.slugs.get(label) != article.slug:
                return None
            measures: dict[str, _Measure] = {}
            resolved, problems = self._resolve_one(
                config, card_style, article, found.images, found.key_lines, self._load_measures(), measures
            )
            if problems or resolved != kept[2]:
                return None
            renewed.append((article.slug, (article, found.images, resolved)))
        memo.update(renewed)
        return last.images

    def _resolve_all(
        self,
        config: SiteConfig,
        card_style: CardStyle,
        settings: object,
        articles: Sequence[tuple[Article, tuple[BodyImage, ...], Mapping[str, int]]],
        changed: Collection[str] | None,
        labels: list[str],
    ) -> tuple[SiteImages, list[Problem]]:
        """resolve(), every article looked at: (article, its body's images, its front
        matter's key lines), each kept from the last call while it is the very same."""
        known = self._load_measures()
        measures: dict[str, _Measure] = {}  # those of this build's images
        problems: list[Problem] = []
        result: dict[str, ArticleImages] = {}
        files: dict[str, str] = {}
        work: dict[str, _Encode] = {}
        body_digests: dict[str, bytes] = {}
        memo: dict[str, tuple[Article, tuple[BodyImage, ...], _Resolved]] = {}
        kept = self._memo[1] if self._memo[0] == settings else {}
        model_digest = hashlib.blake2b(digest_size=16)
        for article, images, lines in articles:
            # What an article shows follows from the article, its body's image links, the
            # settings and the image files it shows; it is kept from the last build while
            # the engine keeps the same article (its file unchanged) and none of those
            # changed: a site of 10,000 articles is looked through on every build of the
            # preview. Without a watcher's word, an image file may have changed.
            last = kept.get(article.slug)
            if (
                last is not None
                and last[0] is article
                and last[1] is images
                and not _may_have_changed(last[2].labels, changed)
            ):
                resolved = last[2]
                memo[article.slug] = last
            else:
                resolved, found = self._resolve_one(
                    config, card_style, article, images, lines, known, measures
                )
                problems += found
                if not found:  # else its image files are looked at again next time
                    memo[article.slug] = (article, images, resolved)
            result[article.slug] = resolved.images
            model_digest.update(resolved.digest)
            measures.update(resolved.measures)
            files.update(resolved.files)
            work.update(resolved.work)
            if resolved.body_digest is not None:
                body_digests[article.slug] = resolved.body_digest
        if measures != known:
            self._save_measures(measures)
        self._measures = measures
        self._memo = (settings, memo)
        digest = model_digest.digest()
        model_digest.update(repr(sorted(body_digests.items())).encode())
        site_images = SiteImages(
            result, files, tuple(work.values()), body_digests, digest, model_digest.digest()
        )
        self._last = None
        if not problems:  # else the articles with problems are looked at again next time
            shown = {label for _, _, resolved in memo.values() for label in resolved.labels}
            self._last = _LastResolved(
                labels,
                {article.path: slug for slug, (article, _, _) in memo.items()},
                frozenset(shown | folders_of(shown)),
                site_images,
            )
        return site_images, problems

    def _resolve_one(
        self,
        config: SiteConfig,
        card_style: CardStyle,
        article: Article,
        images: tuple[BodyImage, ...],
        lines: Mapping[str, int],
        known: Mapping[str, _Measure],
        measures: dict[str, _Measure],
    ) -> tuple[_Resolved, list[Problem]]:
        """What `article` shows of images, and the errors of those it cannot show."""
        problems: list[Problem] = []
        files: dict[str, str] = {}
        work: dict[str, _Encode] = {}
        labels: list[str] = []  # the image files it shows
        shown_measures: dict[str, _Measure] = {}

        def picture(written: str, alt: str, line: int | None, what: str) -> Picture | None:
            label = local_label(written, article.path)
            if label is None:
                return Picture(written, alt, remote=True)
            where = f"{what}{written!r}"
            if not label.startswith(SOURCE_FOLDERS):
                problems.append(
                    error(article.path, line, f"{where} is outside the site's content/ and static/ folders")
                )
                return None
            passed = label.endswith(PASSED_THROUGH)
            if passed and not label.startswith("static/"):
                problems.append(
                    error(
                        article.path,
                        line,
                        f"{where}: an SVG or GIF is linked as it is, so it must be under static/",
                    )
                )
                return None
            labels.append(label)
            found, why = self._measure(label, known, measures, stat_only=passed)
            if why:
                problems.append(error(article.path, line, f"{where}: {label} {why}"))
                return None
            if passed:
                return Picture(label.removeprefix("static/"), alt)
            assert found is not None
            shown_measures[label] = found
            variants = self._variants(label, found)
            work[label] = _Encode(label, tuple((name, v.width, v.height, form) for name, v, form in variants))
            files.update((v.path, name) for name, v, _ in variants)
            shown = tuple(v for _, v, _ in variants)
            widest = shown[-1]
            return Picture(_fallback(shown).path, alt, False, widest.width, widest.height, shown)

        lead = None
        if article.image:
            alt = article.image_alt or article.image_caption or ""
            lead = picture(article.image, alt, lines.get("image"), "image: ")
            if lead is not None:
                lead = replace(lead, caption=article.image_caption)
        body: dict[str, Picture] = {}
        for image in images:
            shown = picture(image.src, "", image.line, "image ")
            if shown is not None and not shown.remote:
                body[local_label(image.src, article.path) or ""] = shown
        share = _share(config, lead)
        if share is None and config.social_cards and (lead is None or not lead.variants):
            text = CardText(config.title, article.title, _byline(config, article))
            looks = (CARD_DESIGN, text, card_style.colours, card_style.fonts_digest)
            name = _key(repr(looks).encode("utf-8", "surrogatepass")) + ".png"
            path = f"{IMAGES_DIR}/{name[:16]}/{CARD_NAME}"
            files[path] = name
            work[name] = _Encode("", ((name, *CARD_SIZE, "PNG"),), (text, card_style))
            share = ShareImage(config.absolute_base + path, *CARD_SIZE, "image/png", article.title, True)
        resolved = _Resolved(
            ArticleImages(lead, share, body),
            _digest((article.slug, lead, share)),
            tuple(files.items()),
            tuple(work.items()),
            _digest(sorted(body.items())) if body else None,
            tuple(labels),
            tuple(shown_measures.items()),
        )
        return resolved, problems

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def _variants(label: str, found: _Measure) -> tuple[tuple[str, Variant, str], ...]:
        """(store name, variant, format) of each copy of the image: WebP, then its own format."""
        stem = slugify(PurePosixPath(label).stem) or "image"
        measured = found.measured
        forms = ["WEBP"] if measured.format == "WEBP" else ["WEBP", measured.format]
        variants = []
        for form in forms:
            extension, mime = FORMATS[form]
            for width in variant_widths(measured.width):
                height = scaled_height(measured, width)
                path = f"{IMAGES_DIR}/{found.key[:16]}/{stem}-{width}.{extension}"
                variants.append(
                    (f"{found.key}-{width}.{extension}", Variant(path, width, height, mime), form)
                )
        return tuple(variants)

    def _measure(
        self,
        label: str,
        known_measures: Mapping[str, _Measure],
        measures: dict[str, _Measure],
        stat_only: bool,
    ) -> tuple[_Measure | None, str | None]:
        """The image's measure (this build's, for an image shown twice; the last build's
        while its file is unchanged), or why it cannot be had."""
        if label in measures:
            return measures[label], None
        path = os.path.join(self.site_dir, label)
        try:
            status = os.stat(path)
        except OSError as exc:
            if exc.errno in _NOT_THERE:
                return None, "does not exist"
            return None, f"cannot be read: {exc.strerror}"
        if not stat.S_ISREG(status.st_mode):
            return None, "is not a file"
        if stat_only:
            return None, None
        found = SourceStat(status.st_size, status.st_mtime_ns, status.st_ctime_ns)
        known = known_measures.get(label)
        recent = untrusted_since()
        if known and found == known.stat and found.mtime_ns < recent:
            measures[label] = known
            return known, None
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError as exc:
            return None, f"cannot be read: {exc.strerror}"
        key = _key(data + ENCODING.encode())
        try:
            measured = known.measured if known and known.key == key else measure(data)
        except ImageReadError as exc:
            return None, f"cannot be read as an image: {exc}"
        measures[label] = _Measure(found, key, measured)
        self._measured_data[key] = data
        return measures[label], None

    def publish(self, images: SiteImages, jobs: int) -> tuple[dict[str, Path | bytes], list[Problem]]:
        """Encode what the store lacks (in `jobs` processes); each published image's path in
        the site with its file or bytes, and the errors of images that could not be encoded."""
        todo = []
        problems = []
        for item in images.work:
            missing = tuple(v for v in item.variants if self.store.get(v[0]) is None)
            if not missing:
                continue
            try:
                data = b"" if item.card else self._source_bytes(item.source, missing[0][0])
            except OSError as exc:
                problems.append(error(item.source, None, f"cannot be read: {exc.strerror}"))
                continue
            todo.append((item, missing, data))
        workers = jobs if len(todo) >= PARALLEL_FROM and can_fork() else 1
        chunks = chunked(todo, workers * 2) if workers > 1 else [todo]
        for made, failed in map_in_processes(None, _encode_chunk, chunks, workers):
            for name, data in made:
                self.store.put(name, data)
            problems += [error(label, None, f"cannot be encoded: {why}") for label, why in failed]
        self._measured_data.clear()
        # Pages share a store name where they show the same copy: each is looked up once.
        stored = {name: self.store.get(name) for name in set(images.files.values())}
        published = {
            path: found for path, name in sorted(images.files.items()) if (found := stored[name]) is not None
        }
        return published, problems

    def _source_bytes(self, label: str, name: str) -> bytes:
        key = name.split("-", 1)[0]
        data = self._measured_data.get(key)
        if data is None:
            data = (self.site_dir / label).read_bytes()
        return data

    def _load_measures(self) -> dict[str, _Measure]:
        if self._measures is not None:
            return self._measures
        self._measures = {}
        if self._measures_file is not None:
            try:
                stored = json.loads(self._measures_file.read_text("utf-8"))
                if stored.get("encoding") == ENCODING:
                    for label, (status, key, (width, height, form)) in stored["images"].items():
                        self._measures[label] = _Measure(
                            SourceStat(*status), key, Measured(width, height, form)
                        )
            except (OSError, ValueError, TypeError, KeyError, AttributeError):
                self._measures = {}  # none, or unreadable: measure again
        return self._measures

    def _save_measures(self, measures: dict[str, _Measure]) -> None:
        if self._measures_file is None or self.store.folder is None:
            return
        plain = {
            label: [list(m.stat), m.key, [m.measured.width, m.measured.height, m.measured.format]]
            for label, m in measures.items()
        }
        try:
            self._measures_file.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self._measures_file.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump({"encoding": ENCODING, "images": plain}, stream)
            os.replace(temporary, self._measures_file)
        except OSError:
            pass  # measured again next time: slower, never wrong


def _encode_chunk(
    state: object, todo: list[tuple[_Encode, tuple[tuple[str, int, int, str], ...], bytes]]
) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """(store name, bytes) of each file made, and (file, why) of each image that could not
    be encoded; perhaps in a worker process."""
    made = []
    failed = []
    for item, missing, data in todo:
        if item.card is not None:
            made.append((missing[0][0], draw_card(*item.card)))
            continue
        try:
            encoded = encode(data, [(width, height, form) for _, width, height, form in missing])
        except (OSError, ValueError, SyntaxError) as exc:  # what Pillow raises for damaged images
            failed.append((item.source, str(exc)))
            continue
        made.extend(zip((name for name, *_ in missing), encoded, strict=True))
    return made, failed


def _may_have_changed(labels: Sequence[str], changed: Collection[str] | None) -> bool:
    """Whether an image file of `labels` may differ from the last build's: `changed` (None:
    unknown) names it or a folder holding it."""
    if not labels:
        return False
    return changed is None or any(touches(path, label) for path in changed for label in labels)


def _fallback(variants: tuple[Variant, ...]) -> Variant:
    """The copy an <img> without srcset support shows: in the image's own format, the one
    nearest 960 px wide."""
    own = [v for v in variants if v.mime != "image/webp"] or list(variants)
    return min(own, key=lambda v: (abs(v.width - 960), v.width))


def _share(config: SiteConfig, lead: Picture | None) -> ShareImage | None:
    """The lead image as link previews show it: its widest copy in its own format (link
    previews do not all read WebP); a remote one as written; an SVG none (they read no SVG)."""
    if lead is None:
        return None
    if lead.remote:
        return ShareImage(lead.src, None, None, None, lead.alt)
    if not lead.variants:
        return (
            None
            if lead.src.endswith(".svg")
            else ShareImage(config.absolute_base + lead.src, None, None, None, lead.alt)
        )
    own = [v for v in lead.variants if v.mime != "image/webp"] or list(lead.variants)
    widest = own[-1]
    return ShareImage(config.absolute_base + widest.path, widest.width, widest.height, widest.mime, lead.alt)


def _byline(config: SiteConfig, article: Article) -> str:
    """'Meridian Wire · 3 December 2024', the date in the site's language."""
    return f"{article.source} · {_long_date(article.date.date(), config.language)}"


@functools.lru_cache(maxsize=4096)
def _long_date(day: dt.date, language: str) -> str:
    """The date as the language writes it in full (Babel), or as 2024-12-03 for a language
    Babel does not know."""
    from babel import UnknownLocaleError
    from babel.dates import format_date

    try:
        return format_date(day, "long", locale=language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return day.isoformat()


def _digest(value: object) -> bytes:
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _key(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _published(article: Article, drafts: bool) -> bool:
    """Does the article show on the site (a draft does with `drafts`)?"""
    return drafts or not article.draft
