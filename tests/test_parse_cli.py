"""``python -m tracker parse``: the JSON shape, exit codes 0/1/2, and one clear error per bad file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "postings"
CORPUS = REPO.parent / "shared" / "corpus" / "postings"
SEED = REPO.parent / "shared" / "seed"

GOOD = "---\ntitle: Good Posting\ntranslationKey: good\n---\n## What we’re looking for\n\n- You write clearly.\n"
BOMB = (
    "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]\n"
        for previous, name in zip("abcdefg", "bcdefgh", strict=True)
    )
    + "---\nbody\n"
)

BAD_FILES: dict[str, tuple[bytes, str]] = {
    "latin1.md": ("---\ntitle: Café\n---\n- a\n".encode("latin-1"), "not valid UTF-8"),
    "binary.md": (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
    "broken-yaml.md": (b"---\ntitle: [oops\n---\nbody\n", "not valid YAML"),
    "alias-bomb.md": (BOMB.encode(), "alias bomb"),
    "deep-yaml.md": (("---\nx: " + "[" * 1000 + "]" * 1000 + "\n---\nbody\n").encode(), "nested deeper"),
    "empty.md": (b"", "is empty"),
    "too-big.md": (b"---\ntitle: Big\n---\n" + b"word " * 1000, "over the 3,000-byte limit"),
    "list-front-matter.md": (b"---\n- one\n- two\n---\nbody\n", "a list, not a mapping"),
    "string-front-matter.md": (b"---\nhello\n---\nbody\n", "a string, not a mapping"),
}


def invoke(*args: str):
    return CliRunner().invoke(cli, ["parse", *args], catch_exceptions=False)


def test_json_output_has_the_documented_shape() -> None:
    result = invoke(str(EXAMPLES), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"postings", "pairs", "errors"} <= data.keys()
    assert data["errors"] == []
    posting = next(p for p in data["postings"] if p["path"].endswith("senior-service-designer.md"))
    assert {
        "path",
        "lang",
        "title",
        "translation_key",
        "lever_id",
        "archived",
        "criteria",
        "warnings",
    } <= posting.keys()
    assert (posting["lang"], posting["title"], posting["archived"]) == ("en", "Senior Service Designer", False)
    assert posting["translation_key"] == "northwind-senior-service-designer"
    assert posting["lever_id"] == "4d2f6a1e-7c1b-4f3e-9a51-0b8e2c7d9f10"
    first = posting["criteria"][0]
    assert first.keys() == {"number", "kind", "text", "section", "line"}
    assert (first["number"], first["kind"], first["section"]) == (1, "essential", "We’ll evaluate you based on:")
    assert first["text"].startswith("Service design practice: experience")
    assert isinstance(first["line"], int)
    assert [c["kind"] for c in posting["criteria"]].count("asset") == 2
    pair = next(p for p in data["pairs"] if p["translation_key"] == "northwind-senior-service-designer")
    assert {"translation_key", "en", "fr", "paired"} <= pair.keys()
    assert pair["paired"] is True
    assert pair["en"].endswith("senior-service-designer.md") and pair["fr"].endswith(
        "concepteur-de-services-principal.md"
    )


def test_text_output_is_a_readable_summary() -> None:
    result = invoke(str(EXAMPLES / "en" / "data-engineer.md"))
    assert result.exit_code == 0
    assert "Data Engineer (Platform)" in result.output
    assert "7 criteria (7 essential, 0 asset)" in result.output
    assert " 1. Experience building reliable data pipelines" in result.output
    assert "1 postings parsed, 1 with criteria, 0 errors." in result.output


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--format", "yaml", "x.md"],
        ["--max-bytes", "0", "x.md"],
        ["--max-bytes", "many", "x.md"],
        ["--bogus", "x.md"],
    ],
    ids=["no-paths", "bad-format", "zero-max-bytes", "non-numeric-max-bytes", "unknown-option"],
)
def test_bad_usage_exits_2(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["parse", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "postings"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD, encoding="utf-8")
    for name, (data, _) in BAD_FILES.items():
        (folder / name).write_bytes(data)
    return folder


def test_each_bad_file_gives_one_clear_error_and_the_good_file_is_intact(mixed_folder: Path, tmp_path: Path) -> None:
    empty_dir = tmp_path / "no-markdown"
    empty_dir.mkdir()
    (empty_dir / "notes.txt").write_text("not a posting")
    result = invoke(str(mixed_folder), str(empty_dir), "--format", "json", "--max-bytes", "3000")
    assert result.exit_code == 1
    data = json.loads(result.output)
    errors = {Path(e["path"]).name: e["error"] for e in data["errors"]}
    assert len(data["errors"]) == len(BAD_FILES) + 1
    for name, (_, expected) in BAD_FILES.items():
        assert expected in errors[name], (name, errors[name])
        assert "\n" not in errors[name]
    assert "no .md files" in errors["no-markdown"]
    (good,) = data["postings"]
    assert good["title"] == "Good Posting"
    assert [c["text"] for c in good["criteria"]] == ["You write clearly."]


def test_missing_path_is_an_error_entry_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(GOOD, encoding="utf-8")
    result = invoke(str(tmp_path / "good.md"), str(tmp_path / "absent.md"), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [Path(e["path"]).name for e in data["errors"]] == ["absent.md"]
    assert len(data["postings"]) == 1


def test_real_process_prints_no_traceback_and_sets_exit_status(mixed_folder: Path) -> None:
    command = [sys.executable, "-m", "tracker", "parse", str(mixed_folder), "--max-bytes", "3000"]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "Good Posting" in completed.stdout
    assert completed.stderr.count("error: ") == len(BAD_FILES)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the posting corpus is not at {CORPUS} (../shared/corpus/postings)")
def test_acceptance_command_on_the_corpus() -> None:
    command = [sys.executable, "-m", "tracker", "parse", str(CORPUS), str(SEED), "--format", "json"]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert data["errors"] == []
    with_criteria = sum(1 for p in data["postings"] if p["criteria"])
    assert with_criteria / len(data["postings"]) >= 0.95
