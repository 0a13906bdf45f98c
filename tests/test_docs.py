"""The documentation site's generated pages (docs/generate.py): every public object, field, hook and command is in
them, with a docstring the API reference renders, and generating them imports no TensorFlow."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import zoo

griffe = pytest.importorskip("griffe")  # the docs extra (keras-zoo[docs], in the test extra)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "docs"))
import generate as reference  # noqa: E402  (docs/generate.py)
import report  # noqa: E402  (benchmarks/report.py)


@pytest.fixture(scope="module")
def static_zoo():
    """``zoo`` as mkdocstrings reads it: griffe's static analysis, Sphinx-style docstrings."""
    return griffe.load("zoo", docstring_parser="sphinx", resolve_aliases=True)


def test_every_public_object_has_a_docstring_the_api_reference_renders(static_zoo):
    page = reference.api_page()
    identifiers = [i for section in reference.api_identifiers().values() for i in section]
    for name in zoo.__all__:
        assert f"::: {reference.api_identifier(name)}\n" in page, f"zoo.{name} is not rendered"
    for identifier in identifiers:
        obj = static_zoo[identifier.removeprefix("zoo.")]
        assert not obj.is_module or identifier in reference.PLUGIN_CONTRACT, f"{identifier} renders a module"
        assert obj.docstring and obj.docstring.value.strip(), f"{identifier} has no docstring"
        if obj.is_class:
            for method in obj.members.values():
                if method.is_function and not method.name.startswith("_") and not method.is_alias:
                    assert method.docstring, f"{identifier}.{method.name} has no docstring"


def test_every_field_of_the_records_is_in_the_api_reference_with_its_meaning():
    page = reference.api_page()
    for record in reference.records().values():
        for field in dataclasses.fields(record):
            assert field.metadata.get("doc"), f"{record.__name__}.{field.name} has no meaning"
            assert f"| `{field.name}` |" in page, f"{record.__name__}.{field.name} is not in the API reference"


def test_every_hook_documents_each_argument_and_its_return(static_zoo):
    hooks = [f for f in static_zoo["registry"]["hookspecs"].functions.values() if not f.name.startswith("_")]
    assert {h.name for h in hooks} == {n for n in dir(zoo.registry.hookspecs) if n.startswith("zoo_")}
    assert "::: zoo.registry.hookspecs\n" in reference.api_page()
    for hook in hooks:
        sections = {s.kind.value: s.value for s in hook.docstring.parse()}
        documented = {p.name for p in sections.get("parameters", [])}
        assert documented == {p.name for p in hook.parameters}, f"{hook.name} documents {documented}"
        assert "returns" in sections, f"{hook.name} does not say what it returns"


def test_every_zoo_command_and_option_is_in_the_cli_reference():
    from zoo.cli import build_parser

    parser = build_parser()
    page = reference.cli_page(parser)
    for command in ["zoo list", "zoo info", "zoo train", "zoo tune", "zoo export", "zoo weights import"]:
        assert command in reference.commands(parser)
    for command in reference.commands(parser):
        assert f"\n## {command}\n" in page, f"{command} is not in the CLI reference"
    for option in ("--pretrained", "--max-trials", "--format", "--from"):
        assert f" {option}" in page


def test_the_pages_cover_the_registry_without_importing_tensorflow():
    script = """
import json, sys
from zoo.cli import build_parser
sys.path.insert(0, "docs")
from generate import pages
import zoo
generated = pages(build_parser())
print(json.dumps({"heavy": sorted(m for m in ("tensorflow", "keras", "keras_tuner") if m in sys.modules),
                  "pages": sorted(generated), "names": zoo.list(),
                  "catalog": generated["models/index.md"]}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["heavy"] == []
    for name in result["names"]:
        assert f"models/{name}.md" in result["pages"] and f"[{name}]({name}.md)" in result["catalog"]
    assert "tags/lenet5.mnist5k.md" in result["pages"]
    assert {"reference/api.md", "reference/cli.md", "benchmark-plots.md",
            "img/benchmarks/bench_image_cpu.png"} <= set(result["pages"])


def test_a_search_space_is_described_without_keras_tuner():
    from zoo.registry.loader import get_registry

    registry = get_registry()
    declared, note = reference.describe_space(registry, registry.architectures["resnet50"])
    assert ("depth", "choice", "18, 34, 50, 101, 152", 50) in declared and not note
    assert "| `depth` | choice |" in reference.architecture_page(registry, "resnet50")


def test_a_benchmark_records_its_tables_as_data(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    section = ("## Speed (`benchmarks/bench_x.py`)\n\nRun on 2026-11-28.\n\n| model | zoo img/s | note |\n"
               "|---|---:|---|\n| resnet50 | 4,655 | 13.52, 12.30 |\n| lenet5 | 21.68 | +0.0% |\n")
    path = report.record_results("bench_x", section, report.DOC, plot={"label": ["model"], "bars": ["zoo img/s"]})
    data = json.loads(path.read_text())
    assert data["title"] == "Speed" and data["plot"]["bars"] == ["zoo img/s"]
    assert data["tables"] == [{"columns": ["model", "zoo img/s", "note"],
                               "rows": [["resnet50", 4655, "13.52, 12.30"], ["lenet5", 21.68, "+0.0%"]]}]


def test_the_recorded_benchmarks_name_the_columns_they_plot():
    results = reference.benchmark_results()
    assert {r["benchmark"] for r in results} >= {"bench_image_cpu", "bench_export_cpu", "bench_train_cpu"}
    for result in results:
        if "plot" in result:
            columns = result["tables"][0]["columns"]
            assert set(result["plot"]["label"]) | set(result["plot"]["bars"]) <= set(columns), result["benchmark"]


def test_a_plot_naming_a_column_its_table_lacks_is_refused_when_recorded(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    section = "## Speed\n\n| model | zoo img/s (median) |\n|---|---:|\n| resnet50 | 4,655 |\n"
    with pytest.raises(ValueError, match="'zoo img/s \\(best round\\)', which no table"):
        report.record_results("bench_x", section, report.DOC,
                              plot={"label": ["model"], "bars": ["zoo img/s (best round)"]})
    assert not (tmp_path / "bench_x.json").exists()


def test_the_pytorch_page_lists_every_converting_architecture_and_its_checkpoint_tags():
    from zoo.registry.loader import get_registry

    registry = get_registry()
    page = reference.pytorch_page(registry)
    converting = [name for name, arch in registry.architectures.items() if arch.converters]
    assert {"resnet18", "resnet50", "vgg16_bn", "densenet121", "mobilenetv2"} <= set(converting)
    for name in converting:
        assert f"[`{name}`](../models/{name}.md)" in page
    for tag in registry.weights.values():
        if tag.format in ("torchvision", "timm"):
            assert f"(../tags/{tag.name}.md)" in page, tag.name
    row = next(line for line in page.splitlines() if line.startswith("| [`resnet50`]"))
    assert "`bottleneck_stride='3x3'`" in row and "imagenet_top1 80.858" in row and "lenet5" not in page


def docstrings_extension():
    """``docs/docstrings.py``, the griffe extension mkdocs.yml gives mkdocstrings."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docstrings", ROOT / "docs" / "docstrings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docstrings_rst_becomes_markdown_the_api_page_renders():
    to_markdown = docstrings_extension().to_markdown
    text = ("See :func:`~zoo.records.identity.locate` and :class:`TrainResult`.\n\nExample::\n\n"
            "    >>> zoo.get('lenet5')\n    <Functional ...>\n\nThen::\n\n    zoo list\n\n:param x: a value.\n")
    markdown = to_markdown(text, resolve=lambda name: {"TrainResult": "zoo.training.driver.TrainResult"}.get(name, name))
    assert '<autoref identifier="zoo.records.identity.locate" optional><code>locate</code></autoref>' in markdown
    assert '<autoref identifier="zoo.training.driver.TrainResult" optional><code>TrainResult</code></autoref>' in markdown
    assert "Example:\n\n```pycon\n>>> zoo.get('lenet5')\n<Functional ...>\n```" in markdown
    assert "Then:\n\n```python\nzoo list\n```" in markdown
    assert "::" not in markdown.replace(":param x:", "") and ":param x: a value." in markdown  # fields are kept


def test_every_docstring_the_api_page_renders_loses_its_roles_and_literal_markers(static_zoo):
    to_markdown = docstrings_extension().to_markdown
    identifiers = [i for section in reference.api_identifiers().values() for i in section]
    for identifier in identifiers:
        obj = static_zoo[identifier.removeprefix("zoo.")]
        for member in [obj, *(m for m in obj.members.values() if not m.is_alias)]:
            if member.docstring:
                markdown = to_markdown(member.docstring.value)
                assert not re.search(r":(func|meth|class|mod|attr|exc):`|::\n", markdown), member.path


def test_bars_spanning_widely_are_drawn_on_a_log_scale():
    from zoo.plots import bar_scale

    assert bar_scale([20.8, 3648.9]) == "log"  # resnet50 beside resnet20 int8 in the export benchmark
    assert bar_scale([4.9, 21.7, 87.9]) == "linear" and bar_scale([]) == "linear"


def test_the_readme_commands_run_in_a_fresh_clone():
    """A fresh clone has ./dev, not a zoo command on PATH: the README's console lines go through ./dev."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```console\n(.*?)```", readme, flags=re.S)
    commands = [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]
    assert commands and all(command.startswith("./dev ") for command in commands), \
        [c for c in commands if not c.startswith("./dev ")]


def test_the_gpu_benchmark_reads_every_anchor_by_timms_names_from_its_logs(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_image_gpu

    log = tmp_path / "run.log"
    log.write_text("RESULT timm/mobilenetv2_100 torch-eager bf16 bs=256: train 7230 img/s, infer 28513 img/s\n"
                   "RESULT timm-compiled/mobilenetv2_100 torch.compile bf16 bs=256: train 9000 img/s (first step 60s)\n"
                   "RESULT keras.applications/mobilenetv2 jax bf16 bs=256: train 7899 img/s, infer 25860 img/s\n"
                   "RESULT zoo/mobilenetv2 jax bf16 bs=256: train 8483 img/s, infer 29994 img/s (first step 92.1s)\n"
                   "RESULT zoo/mobilenetv2 jax bf16 bs=512: train 9999 img/s, infer 30000 img/s\n")
    results = bench_image_gpu.from_logs([log], "256")
    assert results == {"mobilenetv2": {"zoo": {"train": 8483, "infer": 29994}, "keras": {"train": 7899, "infer": 25860},
                                       "timm": {"train": 7230, "infer": 28513}, "compiled": {"train": 9000}}}
    row = next(line for line in bench_image_gpu.table(results).splitlines() if "training" in line)
    assert row == "| mobilenetv2 | training | 8,483 | 7,899 | 7,230 | 9,000 | 1.074 | 1.173 | 0.943 |"
    assert "At batch 512 the zoo's mobilenetv2 trained at 9,999" in bench_image_gpu.other_batches([log], "256")
