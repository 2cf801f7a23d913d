"""An edition's email HTML as mail clients need it: every style rule inlined into the
`style` attributes of the elements it matches (Gmail and Outlook drop or ignore most
<style> blocks), with the @media rules (dark mode, narrow screens) kept in one <style>
block for the clients that read it."""

from __future__ import annotations

import css_inline

_INLINER = css_inline.CSSInliner(
    keep_at_rules=True,  # @media (prefers-color-scheme: dark) and (max-width: ...) stay in <style>
    load_remote_stylesheets=False,  # an email links no stylesheet; none is ever fetched
)


class InlineError(ValueError):
    """The CSS of an email template cannot be read."""


def inline_css(html: str) -> str:
    try:
        return _INLINER.inline(html)
    except (css_inline.InlineError, ValueError) as exc:
        raise InlineError(str(exc)) from exc
