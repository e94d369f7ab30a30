"""Every real macro in the shared corpus parses (skipped when the corpus is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttl.errors import MacroSyntaxError
from ttl.parser import parse
from ttl.source import load_source

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ttl"

# Files that Tera Term itself does not accept as a whole, with the reason.
NOT_TTL = {
    "enikumaah1988__ttmacro-manager/macros__template.ttl": "a template with {placeholders} to fill in",
    "CEntErFIEld-123__teratermmacro_awk_1/test1.ttl": "a Markdown note, not a macro",
    "TeraTermProject__teraterm/tests__oneline-if.ttl": "Tera Term's test of lines that must fail",
    "TeraTermProject__teraterm/tests__#1339-int32.ttl": "Tera Term's test of literals that must fail (3A)",
    "necoyama3__teraterm-macro-webapp-deploy/deploy.ttl": "a string closed with a typographic quote, "
    "so Tera Term stops on that line too",
    "tomo1227__teraterm_macro/input.ttl": "a line holding only a zero-width space (U+200B), "
    "which is no statement",
}


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() == ".ttl")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this checkout")
def test_corpus_is_complete() -> None:
    assert len(corpus_files()) == 225


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this checkout")
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_file_parses(path: Path) -> None:
    name = str(path.relative_to(CORPUS))
    source = load_source(path)
    if name in NOT_TTL:
        with pytest.raises(MacroSyntaxError):
            parse(source)
        return
    parse(source)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this checkout")
def test_shift_jis_macros_decode() -> None:
    sources = CORPUS.parent / "SOURCES.tsv"
    rows = [line.split("\t") for line in sources.read_text(encoding="utf-8").splitlines()[1:]]
    paths = [CORPUS.parent / row[0] for row in rows if row[6] == "shift_jis"]
    assert paths
    for path in paths:
        source = load_source(path)
        assert source.encoding == "cp932", path
        assert "\ufffd" not in source.text, path
