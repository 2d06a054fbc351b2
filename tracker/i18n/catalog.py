"""Keep the catalogs and the code in step: extract msgids with Babel, check them, add new ones.

The extractor is Babel's own Python extractor (the one ``pybabel extract`` runs), told the names the
project uses. It sees only calls whose first argument(s) are string literals, which is why the
convention in :mod:`tracker.i18n` insists on literals.

``python -m tracker.i18n check``  lists missing, untranslated, fuzzy and unused entries (exit 1 if any);
``python -m tracker.i18n update`` adds every new msgid to both catalogs (English prefilled with the
msgid, French left empty for a translator) and drops nothing: unused entries are reported so a person
decides whether the code or the catalog is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from tracker.i18n import DOMAIN, LANGS, po_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Where UI strings live: the router, the pages, and the library (role labels, N_-marked tables).
SOURCES: tuple[str, ...] = ("streamlit_app.py", "app_pages", "tracker")
# Call names the extractor treats as translatable, with the positions of their msgid arguments.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "t": None,
    "N_": None,
    "tn": (1, 2),
    "ngettext": (1, 2),
}

MsgId = str | tuple[str, str]


@dataclass
class CatalogReport:
    missing: dict[str, list[MsgId]] = field(default_factory=dict)
    untranslated: dict[str, list[MsgId]] = field(default_factory=dict)
    fuzzy: dict[str, list[MsgId]] = field(default_factory=dict)
    unused: dict[str, list[MsgId]] = field(default_factory=dict)
    placeholders: dict[str, list[MsgId]] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        lines: list[str] = []
        for label, table in (
            ("missing from the catalog", self.missing),
            ("without a translation", self.untranslated),
            ("marked fuzzy (ignored at run time)", self.fuzzy),
            ("in the catalog but used nowhere in the code", self.unused),
            ("whose translation has different {placeholders}", self.placeholders),
        ):
            for lang, ids in sorted(table.items()):
                lines.extend(f"{lang}: {label}: {msgid!r}" for msgid in ids)
        return lines


def source_files(root: Path = PROJECT_ROOT) -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(p for p in sorted(path.rglob("*.py")) if "__pycache__" not in p.parts)
    return files


def extract_msgids(root: Path = PROJECT_ROOT) -> dict[MsgId, list[str]]:
    """Every msgid used in the code, with the ``file:line`` places that use it."""
    found: dict[MsgId, list[str]] = {}
    for path in source_files(root):
        for lineno, message, _comments, _context in extract_from_file("python", path, keywords=KEYWORDS):
            msgid = _msgid(message)
            if msgid:
                found.setdefault(msgid, []).append(f"{path.relative_to(root)}:{lineno}")
    return found


def _msgid(message: str | tuple[str | None, ...]) -> MsgId | None:
    if isinstance(message, str):
        return message or None
    # Plural keywords yield (singular, plural); a tuple with a None means a non-literal argument.
    if len(message) >= 2:
        singular, plural = message[0], message[1]
        if singular and plural:
            return (singular, plural)
    return message[0] if isinstance(message[0], str) and message[0] else None


def _catalog_id(babel_id: str | tuple[str, ...] | list[str]) -> MsgId:
    """Babel's id of a catalog entry (a string, or singular and plural) as the extractor writes it."""
    return babel_id if isinstance(babel_id, str) else (babel_id[0], babel_id[1])


def load_catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def _placeholders(text: str) -> set[str]:
    import string

    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def check_catalogs(used: Iterable[MsgId] | None = None, langs: Iterable[str] = LANGS) -> CatalogReport:
    used_ids = set(extract_msgids() if used is None else used)
    report = CatalogReport()
    for lang in langs:
        catalog = load_catalog(lang)
        entries = {_catalog_id(message.id): message for message in catalog if message.id}
        report.missing[lang] = sorted((m for m in used_ids if m not in entries), key=str)
        report.unused[lang] = sorted((m for m in entries if m not in used_ids), key=str)
        report.untranslated[lang] = []
        report.fuzzy[lang] = []
        report.placeholders[lang] = []
        for msgid, message in sorted(entries.items(), key=lambda item: str(item[0])):
            strings: Sequence[str] = (
                message.string if isinstance(message.string, tuple | list) else (message.string or "",)
            )
            if not all(s and s.strip() for s in strings):
                report.untranslated[lang].append(msgid)
            if message.fuzzy:
                report.fuzzy[lang].append(msgid)
            source = " ".join(msgid) if isinstance(msgid, tuple) else msgid
            wanted = _placeholders(source)
            if any(s and _placeholders(s) - {"n"} != wanted - {"n"} for s in strings):
                report.placeholders[lang].append(msgid)
    for table in (report.missing, report.unused, report.untranslated, report.fuzzy, report.placeholders):
        for lang in [lang for lang, ids in table.items() if not ids]:
            del table[lang]
    return report


def save_catalog(catalog: Catalog, lang: str) -> None:
    # Sorted, without source locations: two people adding strings to different pages then touch
    # different lines, and moving code does not rewrite the catalog.
    with po_path(lang).open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, sort_output=True, include_previous=False)


def update_catalogs(root: Path = PROJECT_ROOT) -> dict[str, list[MsgId]]:
    """Add every new msgid to each catalog; return what was added per language."""
    used = extract_msgids(root)
    added: dict[str, list[MsgId]] = {}
    for lang in LANGS:
        path = po_path(lang)
        if path.exists():
            catalog = load_catalog(lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, domain=DOMAIN, project="candidate-assessment-tracker")
        for msgid in sorted(used, key=str):
            if msgid in catalog:
                continue
            # English msgids are English text: prefill them so only French needs a translator.
            string: str | tuple[str, str] = ""
            if lang == "en":
                string = msgid if isinstance(msgid, str) else (msgid[0], msgid[1])
            elif isinstance(msgid, tuple):
                string = ("", "")
            catalog.add(msgid, string)
            added.setdefault(lang, []).append(msgid)
        save_catalog(catalog, lang)
    return added
