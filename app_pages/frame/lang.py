"""The language of the UI: chosen once per browser session, switchable on every page.

Order of precedence: the session's choice (the sidebar switch), else ``?lang=`` in the URL (so a
bookmark or a reload keeps the language: a reload starts a new Streamlit session), else the browser's
locale, else English. The choice is written back to ``?lang=`` on every run.
"""

from __future__ import annotations

import streamlit as st
from babel.numbers import format_decimal

from tracker.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, N_, Translator, localized, normalise_lang
from tracker.models import Role

LANG_KEY = "lang"
LANG_WIDGET_KEY = "lang_switch"

ROLE_LABELS: dict[Role, str] = {
    Role.admin: N_("Administrator"),
    Role.manager: N_("Hiring manager"),
    Role.interviewer: N_("Interviewer"),
}


def current_lang() -> str:
    lang = st.session_state.get(LANG_KEY)
    if lang in LANGS:
        return lang
    lang = normalise_lang(st.query_params.get(LANG_KEY), default="")
    if not lang:
        try:
            lang = normalise_lang(st.context.locale)
        except Exception:  # no browser context (a bare run): English
            lang = DEFAULT_LANG
    st.session_state[LANG_KEY] = lang
    return lang


def set_lang(lang: str) -> None:
    st.session_state[LANG_KEY] = normalise_lang(lang)


def sync_lang_query_param() -> None:
    """Keep ``?lang=`` equal to the session's language (page switches drop query parameters)."""
    lang = current_lang()
    if st.query_params.get(LANG_KEY) != lang:
        st.query_params[LANG_KEY] = lang


def format_number(value: int | float) -> str:
    """A count the reader's way: ``10,001`` in English, ``10 001`` in French (Babel's grouping, a
    no-break space that keeps the number on one line), where ``10,001`` would read as ten."""
    return format_decimal(value, locale=current_lang())


def translator() -> Translator:
    """``_ = frame.translator()`` at the top of a page, then ``_("Text")``."""
    return Translator(current_lang())


def role_label(role: Role | str) -> str:
    return translator()(ROLE_LABELS[Role(role)])


def _on_lang_switch() -> None:
    set_lang(st.session_state[LANG_WIDGET_KEY])


def language_switch() -> None:
    """The EN | FR radio of the shared sidebar; its value follows the session's language."""
    lang = current_lang()
    if st.session_state.get(LANG_WIDGET_KEY) != lang:
        st.session_state[LANG_WIDGET_KEY] = lang
    _ = translator()
    st.radio(
        _("Language"),
        options=list(LANGS),
        format_func=lambda code: code.upper(),
        key=LANG_WIDGET_KEY,
        horizontal=True,
        on_change=_on_lang_switch,
        help=" | ".join(LANG_NAMES[code] for code in LANGS),
    )


def localized_text(text_en: str | None, text_fr: str | None) -> tuple[str, str | None]:
    """Bilingual content in the session's language: ``(text, note)``.

    ``note`` is None when the text is in the chosen language, else a translated marker to show beside
    it ("Shown in English: no French text"), so a fallback is never silent.
    """
    lang = current_lang()
    text, is_fallback = localized(text_en, text_fr, lang)
    if not is_fallback:
        return text, None
    _ = translator()
    if lang == "fr":
        return text, _("Shown in English: no French text yet")
    return text, _("Shown in French: no English text yet")
