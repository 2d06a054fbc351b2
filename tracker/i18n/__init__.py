"""Every string the dashboard shows, in English and French, through gettext (issue #4 §3).

Why gettext with Babel, and why the ``.po`` files are compiled in-process rather than shipped as ``.mo``:

* ``.po`` is the format translators, terminology services and every CAT tool already read; Babel is the
  Python standard for extracting and maintaining it, so ``pybabel`` works on this project unchanged.
* The ``.po`` files under ``locales/<lang>/LC_MESSAGES/tracker.po`` are the single source of truth in
  git (readable diffs, no generated binary to forget to rebuild). On first use in a process each one is
  read with :func:`babel.messages.pofile.read_po`, compiled to ``.mo`` bytes in memory with
  :func:`babel.messages.mofile.write_mo` and loaded as a standard :class:`gettext.GNUTranslations`:
  the semantics (plural forms, untranslated → msgid, fuzzy entries ignored) are gettext's own, not a
  re-implementation. It costs a few milliseconds once per process.

Conventions for callers:

* msgids are the English text; ``{name}`` placeholders are filled with ``str.format`` after translation
  (so a translation may reorder them; write a literal brace as ``{{``).
* Call sites use the names the extractor knows (see :mod:`tracker.i18n.catalog`): ``t("…", lang)``,
  ``tn("…", "…", n, lang)``, ``_ = translator(lang)`` then ``_("…")`` / ``_.ngettext("…", "…", n)``, and
  ``N_("…")`` to mark a string that is translated later (a page title in a table, a role label).
  The first argument must be a string literal, or the extractor (and the catalog test) cannot see it.
* Library code that builds a sentence shown later, in a language it does not know (a service's
  error, a CSV file's problem), keeps the msgid and its parameters instead of formatting them:
  :class:`tracker.i18n.message.Message` (``raise NotFoundError(N_("User {user_id} does not
  exist."), user_id=7)``). ``str()`` of it is the English sentence (CLI, logs); the dashboard shows
  ``message.translate(lang)``.
* ``python -m tracker.i18n update`` adds new msgids to both catalogs; ``python -m tracker.i18n check``
  lists what is missing, untranslated or unused (the same check ``tests/test_i18n.py`` runs).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "tracker"
LANGS: tuple[str, ...] = ("en", "fr")
DEFAULT_LANG = "en"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANG_NAMES = {"en": "English", "fr": "Français"}


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def normalise_lang(value: object, default: str = DEFAULT_LANG) -> str:
    """A supported language code from user input (``"FR"``, ``"fr-CA"``, ``["fr"]``), else ``default``."""
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    code = str(value or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGS else default


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The compiled catalog for ``lang``, built once per process from its ``.po`` file."""
    lang = normalise_lang(lang)
    with po_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def reload_catalogs() -> None:
    """Forget compiled catalogs (after ``python -m tracker.i18n update`` in a running process)."""
    translations.cache_clear()


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction without translating it now."""
    return msgid


def t(msgid: str, lang: str, /, **kwargs: Any) -> str:
    """``msgid`` in ``lang``, placeholders filled from ``kwargs``; the msgid itself when untranslated."""
    text = translations(lang).gettext(msgid)
    return text.format(**kwargs) if kwargs else text


def tn(singular: str, plural: str, n: int, lang: str, /, **kwargs: Any) -> str:
    """The plural form for ``n`` under ``lang``'s rules (French counts 0 and 1 as singular); ``{n}`` is filled."""
    text = translations(lang).ngettext(singular, plural, n)
    return text.format(n=n, **kwargs)


@dataclass(frozen=True)
class Translator:
    """``t`` with the language bound, so a page writes ``_ = translator(lang)`` then ``_("Save")``."""

    lang: str

    def __call__(self, msgid: str, /, **kwargs: Any) -> str:
        return t(msgid, self.lang, **kwargs)

    def ngettext(self, singular: str, plural: str, n: int, /, **kwargs: Any) -> str:
        return tn(singular, plural, n, self.lang, **kwargs)


def translator(lang: str) -> Translator:
    return Translator(normalise_lang(lang))


def other_lang(lang: str) -> str:
    return "fr" if normalise_lang(lang) == "en" else "en"


def localized(text_en: str | None, text_fr: str | None, lang: str) -> tuple[str, bool]:
    """Bilingual content (a criterion, a posting title) in ``lang``, else the other language.

    Returns ``(text, is_fallback)``: ``is_fallback`` is True when the other language had to be used,
    so the page can mark it ("English only"). Blank text counts as missing. ``("", False)`` when
    neither language has any.
    """
    texts = {"en": text_en or "", "fr": text_fr or ""}
    lang = normalise_lang(lang)
    if texts[lang].strip():
        return texts[lang], False
    other = texts[other_lang(lang)]
    return (other, True) if other.strip() else ("", False)
