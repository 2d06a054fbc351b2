"""Installs that repeat exactly (issue #24): the hashed locks match the top-level requirements.

``make test`` runs ``scripts/check_lock.py`` before anything else, and this test runs it too, so a
top-level pin added, changed or removed without ``make lock`` fails the suite. The other tests show
that the checker catches each kind of staleness on copies of the files.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_lock", ROOT / "scripts" / "check_lock.py")
assert _spec and _spec.loader
check_lock = importlib.util.module_from_spec(_spec)
sys.modules["check_lock"] = check_lock  # dataclasses look their module up there
_spec.loader.exec_module(check_lock)


def test_the_locks_are_fresh_and_every_package_has_hashes() -> None:
    assert check_lock.problems(ROOT) == []
    for lock in ("requirements.lock", "requirements-dev.lock"):
        entries = check_lock.lock_entries(ROOT / lock)
        assert len(entries) > 40 and all(e.hashes >= 1 for e in entries.values())
    # Transitive packages are locked too (the point of a lock): pyarrow, starlette and protobuf come
    # from Streamlit, not from requirements.txt.
    runtime = check_lock.lock_entries(ROOT / "requirements.lock")
    assert {"pyarrow", "starlette", "protobuf", "xlsxwriter", "email-validator", "dnspython"} <= set(runtime)
    assert "lxml" not in runtime and "openpyxl" not in runtime  # issue #24: XLSX through XlsxWriter
    assert "openpyxl" in check_lock.lock_entries(ROOT / "requirements-dev.lock")


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("requirements.txt", "requirements-dev.txt", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_changed_pin_makes_the_lock_stale(copy: Path) -> None:
    _edit(copy / "requirements.txt", "XlsxWriter==3.3.1", "XlsxWriter==3.3.0")
    found = check_lock.problems(copy)
    assert "requirements.lock has xlsxwriter==3.3.1, requirements.txt pins 3.3.0" in found
    assert any(p.startswith("requirements-dev.lock has xlsxwriter==3.3.1") for p in found)
    assert check_lock.main(["check_lock", str(copy)]) == 1


def test_an_added_dependency_makes_the_lock_stale(copy: Path) -> None:
    (copy / "requirements.txt").write_text((copy / "requirements.txt").read_text() + "some-new-package==1.0\n")
    assert "requirements.lock lacks some-new-package==1.0 (in requirements.txt)" in check_lock.problems(copy)


def test_a_removed_dependency_makes_the_lock_stale(copy: Path) -> None:
    _edit(copy / "requirements-dev.txt", "openpyxl==3.1.5\n", "")
    assert any("still lists openpyxl==3.1.5 as direct" in p for p in check_lock.problems(copy))


def test_a_lock_without_hashes_or_out_of_step_with_the_dev_lock_is_refused(copy: Path) -> None:
    lock = copy / "requirements.lock"
    text = lock.read_text(encoding="utf-8")
    start = text.index("krippendorff==")
    end = text.index("# via", start)
    lock.write_text(text[:start] + "krippendorff==0.9.0\n    " + text[end:], encoding="utf-8")
    assert "requirements.lock: krippendorff has no hash (pip --require-hashes would refuse it)" in check_lock.problems(
        copy
    )
    _edit(copy / "requirements-dev.lock", "\nmarkdown-it-py==4.3.0", "\nmarkdown-it-py==4.2.0")
    assert any(
        "requirements.lock has markdown-it-py==4.3.0, requirements-dev.lock 4.2.0" in p
        for p in check_lock.problems(copy)
    )


def test_an_unpinned_top_level_line_is_reported(copy: Path) -> None:
    (copy / "requirements.txt").write_text((copy / "requirements.txt").read_text() + "requests>=2\n")
    with pytest.raises(ValueError, match="is not pinned as name==version"):
        check_lock.problems(copy)
