"""``python -m tracker``: the command-line interface.

Each command lives in its own module under ``tracker/commands`` and is registered here, so that a
command's imports (pandas, the database, XlsxWriter) are paid only when that command runs.
"""

from __future__ import annotations

import importlib
import logging

import click

from tracker import __version__

log = logging.getLogger(__name__)

# Command name -> module under tracker.commands exposing ``command`` (a click command or group).
COMMANDS: dict[str, str] = {
    "parse": "parse",
    "import": "import_cmd",
    "db": "db",
    "user": "user",
    "demo": "demo",
    "purge": "purge",
    "report": "report",
    "export": "export",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when the command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._module_exists(name))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None or not self._module_exists(cmd_name):
            return None
        module = importlib.import_module(f"tracker.commands.{module_name}")
        command: click.Command = module.command
        return command

    @staticmethod
    def _module_exists(name: str) -> bool:
        return importlib.util.find_spec(f"tracker.commands.{COMMANDS[name]}") is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracker")
def cli() -> None:
    """Candidate assessment tracker: parse postings, manage the database, report on assessments."""


def main() -> None:
    from tracker.logs import configure_logging

    configure_logging()
    try:
        cli(prog_name="python -m tracker")
    except Exception as exc:
        message = database_error_message(exc)
        if message is None:
            raise
        log.error("command failed on the database: %s", type(exc).__name__)
        click.echo(f"Error: {message}", err=True)
        raise SystemExit(1) from None


def database_error_message(exc: BaseException) -> str | None:
    """One sentence for a database that cannot be opened or reached (no traceback), else None.

    A missing or read-only SQLite folder, a PostgreSQL server that is down or restarting: the operator
    needs to know what to fix, not where in SQLAlchemy the error surfaced.
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    from tracker.db import DatabaseUnavailableError, database_url, make_engine

    if isinstance(exc, DatabaseUnavailableError):
        return str(exc)
    if isinstance(exc, OperationalError | InterfaceError):
        try:  # a command that opened SQLite its own way (migrations): say which folder is the problem
            make_engine(database_url()).dispose()
        except DatabaseUnavailableError as folder_problem:
            return str(folder_problem)
        except Exception:  # the generic sentence below still applies
            pass
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return (
            f"The database cannot be reached or refused the operation ({detail}). Check TRACKER_DATABASE_URL, "
            "that the database server is running and that the database folder is writable, then try again."
        )
    return None
