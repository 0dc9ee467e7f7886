"""Outside text shown as HTML: escaped, or rendered from Markdown and sanitised (DESIGN.md §7).

Text that comes from outside the project — an evaluator's narrative (``narratives/<code>.md``), a
ledger cell, a trainee's name or answer, a comment, an org-unit name, a file name — is never
markup. It reaches a page in one of three ways:

- :func:`escape` — plain text as HTML text (``<`` → ``&lt;``, quotes too, so it is safe inside an
  attribute value);
- :func:`escape_markdown` — plain text placed inside Markdown that is rendered later (a heading of
  a report): HTML escaped and Markdown punctuation backslash-escaped, so ``[x](javascript:…)`` or
  ``**`` stay literal characters;
- :func:`markdown_html` — Markdown written by a person (a narrative) rendered with mistune and then
  cleaned by :func:`sanitise`, which runs the Ammonia sanitiser (the ``nh3`` binding,
  https://nh3.readthedocs.io) with an allow-list: formatting, headings, lists, tables, quotes and
  links to ``http``, ``https`` and ``mailto`` only. Scripts and styles are dropped with their
  content, event-handler attributes (``onerror`` …) and ``style`` are dropped, ``javascript:`` and
  ``data:`` links lose their ``href``; images, frames, forms and objects are dropped.

:data:`OFFLINE_CSP` is the Content Security Policy an offline HTML file carries in a ``<meta>``
element (:func:`with_csp_meta`): nothing may load from anywhere (``default-src 'none'``), images
only from ``data:`` URIs (the embedded charts), inline styles allowed, no scripts at all, no
plug-ins (``object-src 'none'``), no ``<base>`` and no form posts. A ``<meta>`` policy cannot set
``frame-ancestors`` (browsers ignore it there); served pages send that as a header.
"""

from __future__ import annotations

import html
import re

import mistune
import nh3

#: tags a sanitised fragment may keep (everything else is dropped, its text kept)
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
#: attributes kept per tag (no ``style``, no ``on*`` handler, no ``id`` that could clash)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
}
#: link schemes kept; any other (``javascript:``, ``data:``, ``vbscript:``, ``file:``) loses its
#: href
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: tags dropped together with their content
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript"})

OFFLINE_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
)

_MARKDOWN = mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_HEAD = re.compile(r"<head\b[^>]*>", re.I)


def escape(text: object) -> str:
    """``text`` (anything; ``None`` → ``""``) as HTML text, quotes escaped (safe in attributes)."""
    return "" if text is None else html.escape(str(text), quote=True)


def escape_markdown(text: object) -> str:
    """``text`` as literal characters inside Markdown: HTML escaped, then Markdown punctuation
    (``\\ ` * _ { } [ ] ( ) # + - . ! | ~ >``) backslash-escaped. ``None`` → ``""``."""
    return _MD_SPECIAL.sub(r"\\\1", escape(text).replace("\n", " "))


def sanitise(fragment: str) -> str:
    """An HTML fragment cleaned by the allow-list of this module (see the module docstring)."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_html(text: str) -> str:
    """Markdown written by a person (e.g. a narrative) as sanitised HTML (tables supported).

    Raw HTML in the Markdown passes through mistune and is then cleaned by :func:`sanitise`:
    ``<b>`` stays bold, ``<script>`` is dropped with its content, ``<img onerror=…>`` is dropped,
    ``[x](javascript:…)`` keeps its text without a link target.
    """
    return sanitise(str(_MARKDOWN(text)))


def csp_meta(policy: str = OFFLINE_CSP) -> str:
    """The ``<meta http-equiv="Content-Security-Policy">`` element carrying ``policy``."""
    return f'<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">'


def with_csp_meta(document: str, policy: str = OFFLINE_CSP) -> str:
    """A complete HTML document with :func:`csp_meta` as the first element of its ``<head>``
    (before any script or style, where a browser applies it to everything after).

    Raises:
        ValueError: ``document`` has no ``<head>`` element.
    """
    match = _HEAD.search(document)
    if match is None:
        raise ValueError("not an HTML document: no <head> element to put the CSP <meta> in")
    return document[: match.end()] + csp_meta(policy) + document[match.end() :]
