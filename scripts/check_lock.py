#!/usr/bin/env python3
"""Fail when the hashed locks no longer match the top-level requirements (``make test`` runs this).

``requirements.txt`` and ``requirements-dev.txt`` are the files people read and edit: one pinned line
per package the project uses directly. ``requirements.lock`` and ``requirements-dev.lock`` are written
by ``make lock`` (uv pip compile --generate-hashes) and hold every installed package, with hashes;
``make run`` and ``make test`` install from them. A lock is stale when a top-level pin is missing from
it or has another version there, or when it still lists as direct a package the top-level files no
longer name. The runtime lock must also agree with the dev lock, so the app runs what the tests ran.

Usage: ``python scripts/check_lock.py [FOLDER]`` (default: the repository). Exit 1 with one line per
problem, and the command that fixes it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = (("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock"))
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;#\\]+)")
_VIA_FILE = re.compile(r"-r\s+(\S+)")


def normalise(name: str) -> str:
    """PEP 503: ``XlsxWriter``, ``xlsxwriter`` and ``Xlsx_Writer`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level(path: Path, seen: set[Path] | None = None) -> dict[str, str]:
    """``{name: version}`` of a requirements file, following ``-r`` includes."""
    seen = seen or set()
    if path in seen:
        return {}
    seen.add(path)
    pins: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            pins.update(top_level(path.parent / line.split(maxsplit=1)[1], seen))
            continue
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"{path.name}: '{raw.strip()}' is not pinned as name==version")
        pins[normalise(match.group(1))] = match.group(3)
    return pins


@dataclass
class Entry:
    version: str
    hashes: int = 0
    via_files: set[str] = field(default_factory=set)


def lock_entries(path: Path) -> dict[str, Entry]:
    """``{name: Entry}`` of a uv/pip-tools lock: version, number of hashes, the files it comes from."""
    entries: dict[str, Entry] = {}
    current: Entry | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        match = _PIN.match(raw)
        if match:
            current = entries[normalise(match.group(1))] = Entry(match.group(3))
        elif current is not None and stripped.startswith("--hash="):
            current.hashes += 1
        elif current is not None and stripped.startswith("#"):
            current.via_files.update(_VIA_FILE.findall(stripped))
    return entries


def problems(folder: Path = ROOT) -> list[str]:
    out: list[str] = []
    locks: dict[str, dict[str, Entry]] = {}
    for top_name, lock_name in PAIRS:
        lock_path = folder / lock_name
        if not lock_path.exists():
            out.append(f"{lock_name} is missing")
            continue
        pins = top_level(folder / top_name)
        entries = locks[lock_name] = lock_entries(lock_path)
        for name, version in sorted(pins.items()):
            if name not in entries:
                out.append(f"{lock_name} lacks {name}=={version} (in {top_name})")
            elif entries[name].version != version:
                out.append(f"{lock_name} has {name}=={entries[name].version}, {top_name} pins {version}")
        for name, entry in sorted(entries.items()):
            if entry.hashes == 0:
                out.append(f"{lock_name}: {name} has no hash (pip --require-hashes would refuse it)")
            if entry.via_files and name not in pins:
                out.append(
                    f"{lock_name} still lists {name}=={entry.version} as direct, but no requirements file names it"
                )
    runtime, dev = locks.get("requirements.lock"), locks.get("requirements-dev.lock")
    if runtime is not None and dev is not None:
        for name, entry in sorted(runtime.items()):
            if name in dev and dev[name].version != entry.version:
                out.append(f"requirements.lock has {name}=={entry.version}, requirements-dev.lock {dev[name].version}")
            elif name not in dev:
                out.append(f"requirements.lock has {name}, requirements-dev.lock does not")
    return out


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else ROOT
    found = problems(folder)
    if found:
        print("The locks are stale against the top-level requirements:", file=sys.stderr)
        for line in found:
            print(f"  - {line}", file=sys.stderr)
        print("Run `make lock` and commit requirements.lock and requirements-dev.lock.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
