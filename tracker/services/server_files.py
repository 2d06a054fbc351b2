"""Which files on the server a posting import may read (issue #17, item 2).

``postings.import_postings(paths=…)`` used to read any file the server could read, for a manager as well
as an admin: ``/etc/passwd`` imported as a posting and its text was shown on the rubric's source tab; so
would the app's secrets file. The rule now:

* **Signed-in people** (the dashboard): administrators only, and only below the folder named by
  ``TRACKER_IMPORT_ROOT``. Without it (the default) importing from the server is off: upload the files
  instead (uploads are for managers too and never touch the server's disk).
* **The command line** (``python -m tracker import``, the system actor): the operator already has a shell
  on the machine and the database's credentials, so the folder rule adds nothing against them; they may
  name any path, like ``cat`` would. Everything else below still applies, so a mistyped path cannot
  import a configuration file by accident.
* Everyone: only ``.md``/``.markdown`` files (both the name given and, after resolving symbolic links, the
  file it leads to), regular files only, at most :data:`MAX_FILE_BYTES` each and :data:`MAX_FILES` per
  import. Symbolic links are resolved **before** the folder check, so a link inside the folder that points
  outside it is refused; the containment check also comes before any existence check, so a refusal does
  not tell whether a file outside the folder exists.

Every refusal is a catalog sentence naming the path and what to do; :func:`record_refusals` writes one
``posting.import_refused`` audit event per import that refused something (who tried to read what).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from tracker.db import write_session
from tracker.i18n import N_
from tracker.i18n.message import Message, Number
from tracker.parsing import DEFAULT_MAX_BYTES
from tracker.parsing.paths import MARKDOWN_SUFFIXES
from tracker.services.actor import Actor
from tracker.services.audit import record_event

IMPORT_ROOT_ENV = "TRACKER_IMPORT_ROOT"
MAX_FILE_BYTES = DEFAULT_MAX_BYTES  # the parser's own limit (1 MiB): checked here from the size, before reading
MAX_FILES = 500  # one import; a folder with more is a mistake (the whole web site's repository)


@dataclass
class ServerFiles:
    """The files an import may read, and a sentence for every path it may not."""

    files: list[Path] = field(default_factory=list)
    refusals: list[tuple[str, Message]] = field(default_factory=list)


def import_root() -> Path | None:
    """The configured folder, symbolic links resolved; None when unset or blank (server imports off)."""
    raw = os.environ.get(IMPORT_ROOT_ENV, "").strip()
    return Path(os.path.realpath(raw)) if raw else None


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _markdown(path: Path) -> bool:
    return path.suffix.casefold() in MARKDOWN_SUFFIXES


def server_files(actor: Actor, paths: list[str | Path]) -> ServerFiles:
    """Resolve ``paths`` under the rule above. Callers check the role first (admins and the command line)."""
    result = ServerFiles()
    root = None if actor.is_system else import_root()
    if not actor.is_system and root is None:
        result.refusals.extend(
            (
                str(raw),
                Message(
                    N_(
                        "Importing from the server is switched off on this tracker ({setting} is not set): "
                        "upload the files instead, or ask the operator to set it."
                    ),
                    setting=IMPORT_ROOT_ENV,
                ),
            )
            for raw in paths
        )
        return result
    seen: set[Path] = set()

    def refuse(name: str, message: Message) -> None:
        result.refusals.append((name, message))

    def outside(name: str) -> None:
        refuse(
            name,
            Message(
                N_("{path} is outside the import folder {root}; copy the postings into it, or upload them."),
                path=name,
                root=str(root),
            ),
        )

    def consider(name: str, given: Path) -> None:
        real = Path(os.path.realpath(given))
        if root is not None and not _inside(real, root):
            outside(name)
            return
        if not (_markdown(given) and _markdown(real)):
            refuse(
                name, Message(N_("{path} is not a .md or .markdown file; only postings can be imported."), path=name)
            )
            return
        try:
            stat = real.stat()
        except OSError as exc:
            refuse(
                name,
                Message(
                    N_("{path} cannot be read ({error}); check its permissions."), path=name, error=exc.strerror or exc
                ),
            )
            return
        if not real.is_file():
            refuse(name, Message(N_("{path} is not a regular file; give a .md file or a folder."), path=name))
            return
        if stat.st_size > MAX_FILE_BYTES:
            refuse(
                name,
                Message(
                    N_(
                        "{path} is {size} bytes, over the {limit}-byte limit; split the file or raise the limit with --max-bytes."
                    ),
                    path=name,
                    size=Number(stat.st_size),
                    limit=Number(MAX_FILE_BYTES),
                ),
            )
            return
        if real in seen:
            return
        if len(result.files) >= MAX_FILES:
            refuse(
                name,
                Message(
                    N_(
                        "{path} was not imported: one import reads at most {limit} files; import the folders one by one."
                    ),
                    path=name,
                    limit=Number(MAX_FILES),
                ),
            )
            return
        seen.add(real)
        result.files.append(real)

    for raw in paths:
        name = str(raw)
        given = Path(raw)
        if root is not None and not given.is_absolute():
            given = root / given
        real = Path(os.path.realpath(given))
        if root is not None and not _inside(real, root):
            outside(name)  # before any existence check: say nothing about what lies outside
            continue
        if real.is_dir():
            found = False
            for folder, subfolders, names in os.walk(real, followlinks=False):
                subfolders.sort()
                for file_name in sorted(names):
                    candidate = Path(folder) / file_name
                    if _markdown(candidate):
                        found = True
                        consider(str(candidate), candidate)
            if not found:
                refuse(
                    name, Message(N_("{path} is a folder with no .md files; point at a folder of postings."), path=name)
                )
        elif real.exists():
            consider(name, given)
        else:
            refuse(name, Message(N_("{path} does not exist; check the path."), path=name))
    return result


def record_refusals(engine: Engine, actor: Actor, refusals: list[tuple[str, Message]]) -> None:
    """One audit event naming who tried to import which paths and why each was refused (English).

    Only for signed-in people: the command line's operator sees every refusal on their terminal, and
    a refused command-line import must leave the database exactly as it was.
    """
    if not refusals or actor.is_system:
        return
    with write_session(engine) as session:
        record_event(
            session,
            actor,
            action="posting.import_refused",
            entity_type="posting",
            entity_id=None,
            reason="; ".join(str(message) for _, message in refusals)[:2000],
            after={"paths": [name for name, _ in refusals][:100]},
        )
