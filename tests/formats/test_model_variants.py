"""Odd but real variants (tests/formats/variants.py) through the model, `formats.summary` and
the inspector's meta route of a real server: all three report the same facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fileglancer_ext.cli import main
from fileglancer_ext.formats.summary import summarize

from .variants import VARIANTS, Variant, facts_of_model, facts_of_summary


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    lab = tmp_path / "lab"
    lab.mkdir()
    return lab


@pytest.fixture
def fileglancer_config(lab: Path) -> dict:
    return {"roots": [f"lab={lab}"]}


def messages(problems: list[dict]) -> str:
    return "\n".join(p["message"] for p in problems)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_the_model_and_the_summary_agree(tmp_path: Path, variant: Variant):
    path = tmp_path / f"{variant.name}.zarr"
    variant.write(path)
    model_facts, model_problems = facts_of_model(variant, path)
    summary = summarize(path)
    assert model_facts == variant.facts()
    assert facts_of_summary(variant, summary) == variant.facts()
    if variant.problem is None:
        assert model_problems == [] and summary["problems"] == []
    else:
        assert variant.problem in messages(model_problems)
        assert variant.problem in messages(summary["problems"])


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
async def test_the_meta_route_agrees(jp_fetch, lab: Path, variant: Variant):
    name = f"{variant.name}.zarr"
    variant.write(lab / name)
    response = await jp_fetch("fileglancer", "api", "meta", "lab", name)
    meta = json.loads(response.body)
    assert facts_of_summary(variant, meta) == variant.facts()
    if variant.problem is not None:
        assert variant.problem in messages(meta["problems"])
    else:
        assert meta["problems"] == []
    # The same summary as `formats.summary`, rendered from the same model.
    local = summarize(lab / name)
    for key in ("kind", "zarr_format", "ome_version", "array", "ome", "problems"):
        assert meta[key] == json.loads(json.dumps(local[key])), key


@pytest.mark.parametrize("variant", [v for v in VARIANTS if not v.is_image], ids=lambda v: v.name)
def test_info_shows_the_dtype_by_name(tmp_path: Path, variant: Variant, capsys):
    path = tmp_path / f"{variant.name}.zarr"
    variant.write(path)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    big = " (big-endian)" if variant.byte_order == "big" else ""
    assert f"dtype: {variant.dtype}{big}\n" in out
    assert "<u2" not in out and ">u2" not in out
