"""The documentation site's generated pages, from the code, so that they cannot drift from it.

:func:`pages` is the one generator: the MkDocs build (``docs/hooks.py``, ``./dev docs``) adds what it
returns to the site, and nothing it makes is checked in. It writes

- ``models/index.md``, the catalog: every registered architecture (built-in and any installed plugin)
  with family, task, input, parameters, GMACs (from the plugins' ``model_stats.json``), weight tags,
  reference accuracy with its source and license, filtered and sorted in the page by ``docs/js/catalog.js``;
- ``models/NAME.md``, one page per architecture: its card, variants, arguments, the build call, its
  training recipe and its search space (:func:`describe_space`);
- ``tags/ARCHITECTURE.TAG.md``, one page per weight tag: file, hash, size, URLs, classes, input,
  preprocessing, license, source, metrics, recipe, and the command that trained it when the zoo did;
- ``reference/api.md``, the Python API and the plugin contract (mkdocstrings directives for everything
  in ``zoo.__all__``, the hooks and the registrar, with the field tables of the records,
  :func:`field_table`);
- ``reference/cli.md``, every ``zoo`` command and option, from the argument parser (:func:`cli_page`);
- ``benchmark-plots.md`` and its images: the benchmarks' recorded rows (``benchmarks/results/*.json``)
  as bars, the anchor beside the zoo, and the shipped zoo-trained tags' recorded metrics.

Nothing here builds a model or imports TensorFlow or Keras.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]  # the repository: the site is built from a checkout, not a wheel
RESULTS = ROOT / "benchmarks" / "results"  # benchmarks/report.py records each benchmark's rows here
CATALOG = "models/index.md"
API = "reference/api.md"
CLI = "reference/cli.md"
PLOTS = "benchmark-plots.md"
PYTORCH = "reference/pytorch.md"
PLUGIN_CONTRACT = ("zoo.hookimpl", "zoo.registry.hookspecs", "zoo.registry.store.Registrar", "zoo.kit")
TRAINED_BY_THE_ZOO = "zoo train "  # how the `source` of a zoo-trained tag begins: the command that trained it


def records() -> dict[str, type]:
    """The public records whose fields the API reference lists."""
    import zoo

    return {"Architecture": zoo.Architecture, "Family": zoo.Family, "WeightTag": zoo.WeightTag,
            "TrainingRecipe": zoo.TrainingRecipe}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        return f"`{f.default!r}`"
    if f.default_factory is not dataclasses.MISSING:
        return f"`{f.default_factory()!r}`"
    return "required"


def field_table(cls) -> str:
    """A markdown table of ``cls``'s fields: name, type, default, meaning.

    Example::

        >>> print(field_table(zoo.TrainingRecipe).splitlines()[2])
        | `optimizer` | `str` | `'adam'` | one of sgd, adam, adamw, rmsprop, adadelta |
    """
    rows = ["| field | type | default | meaning |", "| --- | --- | --- | --- |"]
    for f in dataclasses.fields(cls):
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        meaning = f.metadata.get("doc")
        if not meaning:
            raise ValueError(f"{cls.__name__}.{f.name} has no documented meaning (zoo.records.fields.documented)")
        rows.append(f"| `{f.name}` | `{_cell(kind)}` | {_cell(_default(f))} | {_cell(meaning)} |")
    return "\n".join(rows)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows])


def _reference_metrics(metrics: dict) -> list[str]:
    return [f"{metric}: {entry['value']}" + (f" ({entry['source']})" if entry.get("source") else "")
            for metric, entry in (metrics or {}).items() if isinstance(entry, dict) and "value" in entry]


def _shape(shape) -> str:
    return "x".join(str(d) for d in shape) if shape else "-"


def _stats(name: str) -> tuple[str, str]:
    from zoo.registry.cards import gmacs, load_stats

    entry = load_stats(name)
    return (f"{entry['params']:,}" if entry else "n/a", gmacs(entry["macs"]) if entry else "n/a")


def _license(registry, name: str) -> str:
    from zoo.registry.cards import license_of

    return license_of(registry, name) or "-"


# --- the catalog ---------------------------------------------------------------------------------

CATALOG_HEADER = """---
hide: [navigation, toc]
---

# Models

Every registered architecture, built-in and from any installed plugin, generated from the registry when
the site is built. Type in the box to keep the rows that contain the text; click a column's header to sort.

Parameters are Keras' `count_params()` (batch-norm moving statistics included, as keras.applications
counts them) and MACs are multiply-accumulates of one forward pass of one image at the default input
size, both counted by `zoo stats` from the built model and kept in each plugin's `model_stats.json`.
The reference accuracy is the published number for the architecture (paper, keras.applications or
torchvision documentation), given with its source; it is not a measurement of weights shipped by the
zoo unless the source says so. The license is the architecture's own, or else its weight tags'. An
architecture's page lists all its weight tags where there are more than fit here.

<input id="catalog-filter" type="search" placeholder="Filter, e.g. resnet" aria-label="Filter the models">

"""
SHOWN_TAGS = 3  # weight tags per catalog row; the rest are on the architecture's page


def _catalog_tags(registry, name: str) -> str:
    tags = registry.tags_for(name)
    shown = [f"[{t.tag}](../tags/{t.name}.md)" for t in tags[:SHOWN_TAGS]]
    if len(tags) > SHOWN_TAGS:
        shown.append(f"[{len(tags) - SHOWN_TAGS} more]({name}.md#card)")
    return ", ".join(shown) or "-"


def catalog_page(registry) -> str:
    """``models/index.md``: one row per architecture, linking its page and its tags' pages."""
    from zoo.registry.store import natural_order

    rows = []
    for name in sorted(registry.architectures, key=lambda n: (registry.architectures[n].family, natural_order(n))):
        arch = registry.architectures[name]
        params, gmacs = _stats(name)
        rows.append([f"[{name}]({name}.md)", arch.family, arch.task, _shape(arch.input_shape), params, gmacs,
                     _catalog_tags(registry, name),
                     "; ".join(_reference_metrics(arch.metrics)) or "-", _license(registry, name)])
    header = ["Name", "Family", "Task", "Input", "Params", "GMACs", "Weight tags", "Reference accuracy (source)",
              "License"]
    return CATALOG_HEADER + '<div class="catalog" markdown>\n\n' + _table(header, rows) + "\n\n</div>\n"


# --- one page per architecture -------------------------------------------------------------------

class SpaceRecorder:
    """A stand-in for ``keras_tuner.HyperParameters`` that records what a search space declares.

    A search space (``zoo_hyperparameters``) only calls ``hp.Choice``, ``hp.Int``, ``hp.Float``,
    ``hp.Boolean`` and ``hp.Fixed``; each returns its default, as KerasTuner's do before a value is
    set, so the space answers with the default variant's arguments without KerasTuner or Keras.

    Example::

        >>> hp = SpaceRecorder()
        >>> hp.Int("units", 60, 240, step=60, default=120)
        120
        >>> hp.declared
        [('units', 'int', 'from 60 to 240, step 60', 120)]
    """

    def __init__(self):
        self.declared: list[tuple[str, str, str, Any]] = []

    def _declare(self, name, kind, values, default):
        self.declared.append((name, kind, values, default))
        return default

    def Choice(self, name, values, default=None, **_):  # noqa: N802 (KerasTuner's names)
        """One of ``values`` (default: the first)."""
        values = list(values)
        return self._declare(name, "choice", ", ".join(map(repr, values)), values[0] if default is None else default)

    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None, **_):  # noqa: N802
        """An integer in a range (default: ``min_value``)."""
        return self._declare(name, "int", _range(min_value, max_value, step, sampling),
                             min_value if default is None else default)

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None, **_):  # noqa: N802
        """A number in a range (default: ``min_value``)."""
        return self._declare(name, "float", _range(min_value, max_value, step, sampling),
                             min_value if default is None else default)

    def Boolean(self, name, default=False, **_):  # noqa: N802
        """True or False."""
        return self._declare(name, "boolean", "True, False", default)

    def Fixed(self, name, value, **_):  # noqa: N802
        """A fixed value."""
        return self._declare(name, "fixed", repr(value), value)


def _range(low, high, step, sampling) -> str:
    return f"from {low} to {high}" + (f", step {step}" if step else "") + \
        (f", {sampling} sampling" if sampling != "linear" else "")


def describe_space(registry, arch) -> tuple[list[tuple[str, str, str, Any]], str]:
    """The hyperparameters the ``zoo_hyperparameters`` hook declares for ``arch`` (what ``zoo tune`` searches),
    and a sentence when there are none or they cannot be described without KerasTuner."""
    hp = SpaceRecorder()
    try:
        space = registry.manager.hook.zoo_hyperparameters(architecture=arch, hp=hp)
    except Exception as error:  # a plugin's space that needs more of KerasTuner than the recorder has
        return [], f"Its search space could not be described without KerasTuner ({type(error).__name__}: {error})."
    if space is None:
        return [], "It has no search space: `zoo tune` tunes only its training recipe."
    return hp.declared, ""


def _allowed(arch, argument: str) -> str:
    from zoo.registry.arguments import kind_of

    default = arch.defaults[argument]
    if default is None:
        return "any"
    return kind_of(default) + (" or None" if isinstance(default, (str, float)) else "")


def architecture_page(registry, name: str) -> str:
    """``models/NAME.md``: the card, variants, arguments, build call, recipe and search space of one architecture."""
    from zoo.registry.arguments import POOLINGS
    from zoo.registry.cards import info, input_description
    from zoo.training.driver import recipe_for

    arch, card = registry.architectures[name], info(name)
    params, gmacs = _stats(name)
    tags = registry.tags_for(name)
    variants = [n for n in sorted(registry.architectures) if registry.architectures[n].family == arch.family]
    lines = [f"# {name}", "", arch.description, "", "[All models](index.md)", "", "## Card", "",
             _table(["field", "value"], [
                 ["family", arch.family], ["task", arch.task],
                 ["plugin", f"{card.plugin} ({card.distribution} {card.version})".strip()],
                 ["input shape", input_description(name)],
                 ["classes", arch.num_classes], ["parameters", params], ["GMACs", gmacs],
                 ["weight tags", ", ".join(f"[{t.tag}](../tags/{t.name}.md)" for t in tags) or "-"],
                 ["default weights", card.default_tag or "-"], ["aliases", ", ".join(card.aliases) or "-"],
                 ["features", "`features=True` gives the feature map of every stage" if card.features else "-"],
                 ["paper", arch.paper or "-"], ["license", _license(registry, name)],
                 *[["reference", metric] for metric in _reference_metrics(arch.metrics)],
             ]), "",
             "## Variants", "", f"The `{arch.family}` family: "
             + ", ".join(v if v == name else f"[{v}]({v}.md)" for v in variants) + ".", "",
             "## Arguments", "",
             "Every call takes `num_classes`, `input_shape`, `include_top` and `pooling` "
             f"(one of {', '.join(map(repr, POOLINGS))})"
             + (", and `in_channels`" if arch.task == "image-classification" else "")
             + "; these are its own. A free argument may differ from a weight tag's.", ""]
    lines.append(_table(["argument", "default", "allowed", "free"],
                        [[f"`{k}`", f"`{v!r}`", _allowed(arch, k), "yes" if arch.is_free(k) else "-"]
                         for k, v in arch.defaults.items()]) if arch.defaults else "It has no arguments of its own.")
    call = f'model = zoo.get("{name}", num_classes={arch.num_classes}, input_shape={tuple(arch.input_shape)!r})'
    if tags:
        call += f'\nmodel = zoo.get("{(card.default_tag or tags[0].name)}", pretrained=True)'
    lines += ["", "## Build", "", "```python", "import zoo", "", call, "```", "",
              "## Training recipe", "", f"What `zoo train {name}` uses (the `zoo_training_recipe` hook's answer):", "",
              _table(["field", "value"], [[f"`{k}`", f"`{v!r}`"] for k, v in recipe_for(arch).to_dict().items()]),
              "", "## Search space", ""]
    declared, note = describe_space(registry, arch)
    if declared:
        lines += [f"What `zoo tune {name}` searches (the `zoo_hyperparameters` hook's declarations, "
                  "besides the recipe's own hyperparameters):", "",
                  _table(["hyperparameter", "kind", "values", "default"],
                         [[f"`{n}`", kind, values, f"`{default!r}`"] for n, kind, values, default in declared])]
    else:
        lines.append(note)
    return "\n".join(lines) + "\n"


# --- one page per weight tag ---------------------------------------------------------------------

def _file_size(tag) -> str:
    from zoo.registry.loader import package_directory

    if tag.size:
        return f"{tag.size:,} bytes"
    directory = package_directory(tag.package) if tag.package else None
    if directory is not None and (directory / tag.file_name).is_file():
        return f"{(directory / tag.file_name).stat().st_size:,} bytes (the shipped file)"
    return "not recorded"


def _tag_metrics(tag) -> list[tuple[str, Any, str]]:
    """A tag's metrics as (name, value, source): an entry's own source, else the catalog entry's one ``source``."""
    shared = tag.metrics.get("source", "")
    return [(k, v["value"], v.get("source", shared)) if isinstance(v, dict) and "value" in v else (k, v, shared)
            for k, v in tag.metrics.items() if k != "source"]


def tag_page(registry, name: str) -> str:
    """``tags/ARCHITECTURE.TAG.md``: everything the catalog records of one weight tag."""
    tag = registry.weights[name]
    twin = registry.headless_twin(tag)
    classes = tag.class_names if isinstance(tag.class_names, str) else ", ".join(tag.class_names or ()) or "-"
    rows = [["architecture", f"[{tag.architecture}](../models/{tag.architecture}.md)"],
            ["file", f"`{tag.file_name}` ({tag.format})"], [tag.hash_algorithm, f"`{tag.hash}`" if tag.hash else "-"],
            ["size", _file_size(tag)], ["URLs", "<br>".join(tag.urls) or "- (shipped or imported)"],
            ["package", tag.package or "-"], ["classes", f"{tag.num_classes or '-'} ({classes})"],
            ["input size", _shape(tag.input_shape)],
            ["head", "with the classifier" if tag.include_top else "no classifier"],
            ["headless twin", f"[{twin.name}]({twin.name}.md)" if twin else "-"],
            ["default", "yes: `pretrained=True` loads it" if tag.default else "-"],
            ["arguments", ", ".join(f"`{k}={v!r}`" for k, v in tag.arguments.items()) or "-"],
            ["preprocessing", ", ".join(f"`{k}={v!r}`" for k, v in tag.preprocessing.items()) or "-"],
            ["license", tag.license or "-"], ["source", tag.source or "-"],
            ["registered by", registry.weight_owners.get(name, "-")]]
    metrics = [[f"`{k}`", value, source] for k, value, source in _tag_metrics(tag)]
    lines = [f"# {name}", "", _table(["field", "value"], rows), "", "## Metrics", "",
             _table(["metric", "value", "source"], metrics) if metrics else "None recorded.", "",
             "## Training", ""]
    if tag.recipe:
        lines += [_table(["field", "value"], [[f"`{k}`", f"`{v!r}`"] for k, v in tag.recipe.items()]), ""]
    if tag.source.startswith(TRAINED_BY_THE_ZOO):
        lines += ["The zoo trained it:", "", "```console", "$ " + tag.source.split(" (")[0], "```", ""]
    elif not tag.recipe:
        lines += ["Not recorded.", ""]
    lines += ["## Load", "", "```python", "import zoo", "", f'model = zoo.get("{name}", pretrained=True)', "```"]
    return "\n".join(lines) + "\n"


PYTORCH_HEADER = """# PyTorch checkpoints

Every architecture that converts torchvision or timm checkpoints (`zoo weights import FILE --as NAME.TAG
--from torchvision|timm`, see the weights guide), the build arguments of the source's layout (recorded in
each converted tag), and the catalog's tags of published PyTorch weights, converted on first use, with the
accuracy their publisher reports. The zoo cannot download ImageNet here: none of these accuracies is the
zoo's own measurement.

"""


def pytorch_page(registry) -> str:
    """``reference/pytorch.md``: the architectures with converters, their layouts and their checkpoint tags."""
    sources = sorted({source for arch in registry.architectures.values() for source in arch.converters})
    rows = []
    for name, arch in sorted(registry.architectures.items()):
        if not arch.converters:
            continue
        layouts = {tuple(sorted(layout.items())) for _, layout in arch.converters.values()}
        layout = ", ".join(f"`{k}={v!r}`" for k, v in sorted(next(iter(layouts)))) if len(layouts) == 1 else \
            "<br>".join(f"{source}: " + (", ".join(f"`{k}={v!r}`" for k, v in layout.items()) or "none")
                        for source, (_, layout) in arch.converters.items())
        tags = []
        for tag in registry.tags_for(name):
            if tag.format in arch.converters:
                metrics = _tag_metrics(tag)
                source = next((source for _, _, source in metrics if source), "")
                accuracy = ", ".join(f"{k} {value}" for k, value, _ in metrics) or "-"
                tags.append(f"[`{tag.name.split('.', 1)[1]}`](../tags/{tag.name}.md) {accuracy}"
                            + (f" ({source})" if source else ""))
        rows.append([f"[`{name}`](../models/{name}.md)", *("yes" if s in arch.converters else "-" for s in sources),
                     layout or "none", "<br>".join(tags) or "-"])
    header = ["variant", *sources, "build arguments of the layout", "checkpoint tags: published metrics (source)"]
    return PYTORCH_HEADER + _table(header, rows) + "\n"


# --- the API and CLI references ------------------------------------------------------------------

def api_identifier(name: str) -> str:
    """The path mkdocstrings renders ``zoo.NAME`` by: ``zoo.get``, but ``zoo.training.driver.train`` where a submodule has
    the name, and the defining module's for what ``zoo`` imports on first use (``zoo.weights.models.get``)."""
    import pkgutil

    import zoo

    if name in zoo.LAZY:  # imported on first use, so not in zoo's namespace to read statically
        return f"{zoo.LAZY[name]}.{name}"
    if name in {module.name for module in pkgutil.iter_modules(zoo.__path__)}:
        return f"{vars(zoo)[name].__module__}.{name}"
    return f"zoo.{name}"


def api_identifiers() -> dict[str, list[str]]:
    """The objects the API reference renders, by section: everything in ``zoo.__all__``, then the plugin contract."""
    import zoo

    sections: dict[str, list[str]] = {"Functions": [], "Records": [], "Classes": [], "Errors and warnings": []}
    for name in zoo.__all__:
        obj = getattr(zoo, name)
        identifier = api_identifier(name)
        if name == "hookimpl":
            continue  # the plugin contract's, below
        if obj is None or inspect.isfunction(obj):
            sections["Functions"].append(identifier)
        elif name in records():
            sections["Records"].append(identifier)
        elif inspect.isclass(obj) and issubclass(obj, Warning | Exception):
            sections["Errors and warnings"].append(identifier)
        else:
            sections["Classes"].append(identifier)
    sections["Plugin contract"] = list(PLUGIN_CONTRACT)
    return sections


API_HEADER = """# Python API

Generated from the docstrings and type annotations when the site is built. `import zoo`, `zoo.list()` and
`zoo.info()` never import TensorFlow or Keras; the functions that build, load or train models do.

"""


def api_page() -> str:
    """``reference/api.md``: mkdocstrings directives for the public API, with the records' field tables."""
    fields = records()
    lines = [API_HEADER]
    for section, identifiers in api_identifiers().items():
        lines.append(f"## {section}\n")
        for identifier in identifiers:
            lines.append(f"::: {identifier}\n")
            name = identifier.rpartition(".")[2]
            if name in fields:
                lines.append(f"**Fields of `zoo.{name}`**\n\n{field_table(fields[name])}\n")
    return "\n".join(lines)


def commands(parser) -> list[str]:
    """Every command of the ``zoo`` parser, as typed: ``["zoo", "zoo list", "zoo weights import", ...]``."""
    return [command.prog for command in parser.commands]


def cli_page(parser) -> str:
    """``reference/cli.md``: each command of ``parser`` (``zoo.cli.CommandParser``) with its help, as ``--help``
    prints it: usage, description, every option with its default and choices."""
    lines = ["# Command line", "", f"Generated from `{parser.prog}`'s argument parser when the site is built: each "
             "command's `--help`.", ""]
    if parser.epilog:
        lines += [parser.epilog, ""]
    for command in parser.commands:
        lines += [f"## {command.prog}", "", "```console", f"$ {command.prog} --help", command.format_help().strip(),
                  "```", ""]
    return "\n".join(lines)


# --- benchmark plots -----------------------------------------------------------------------------

def _number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def benchmark_results() -> list[dict]:
    """Every benchmark's recorded rows (``benchmarks/results/*.json``, written by ``benchmarks/report.py``)."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(RESULTS.glob("*.json"))]


def _bars(result: dict, path: Path) -> Path:
    """``result``'s plotted table as grouped bars: one group per row, one bar per plotted column."""
    from zoo.plots import bars

    plot = result["plot"]
    table = result["tables"][plot.get("table", 0)]
    columns = table["columns"]
    # a row is drawn when any of its bars was measured; an unmeasured one ("-") is left out of its group
    rows = [row for row in table["rows"] if any(_number(row[columns.index(c)]) is not None for c in plot["bars"])]
    labels = [" ".join(str(row[columns.index(c)]) for c in plot["label"]) for row in rows]
    series = {c: [_number(row[columns.index(c)]) for row in rows] for c in plot["bars"]}
    return bars(labels, series, path, title=result["title"], unit=plot["unit"])


def shipped_tags(registry) -> list:
    """The weight tags the zoo trained (their ``source`` is the ``zoo train`` command)."""
    return [t for t in registry.weights.values() if t.source.startswith(TRAINED_BY_THE_ZOO)]


def plots_page(registry, images: dict[str, bytes]) -> str:
    """``benchmark-plots.md`` and its images (added to ``images``, path -> PNG bytes)."""
    from zoo.plots import bars

    lines = ["---", "hide: [toc]", "---", "", "# Benchmark plots", "",
             "Drawn when the site is built from the rows each benchmark script recorded (`benchmarks/results/`, "
             "written by `benchmarks/report.py` beside the section it writes into [the results](benchmarks.md)).", ""]
    with tempfile.TemporaryDirectory() as tmp:
        for result in benchmark_results():
            if "plot" not in result:
                continue
            image = f"img/benchmarks/{result['benchmark']}.png"
            images[image] = _bars(result, Path(tmp) / f"{result['benchmark']}.png").read_bytes()
            lines += [f"## {result['title']}", "", f"`{result['script']}`, {result['date']}. {result['plot']['note']}",
                      "", f"![{result['title']}]({image})", ""]
        tags = shipped_tags(registry)
        metrics = sorted({k for t in tags for k, v in t.metrics.items() if _number(v) is not None})
        if tags and metrics:
            image = "img/benchmarks/shipped_tags.png"
            series = {m: [_number(t.metrics.get(m)) or 0.0 for t in tags] for m in metrics}
            images[image] = bars([t.name for t in tags], series, Path(tmp) / "shipped.png",
                                 title="Shipped zoo-trained weights", unit="accuracy").read_bytes()
            lines += ["## Shipped zoo-trained weights", "",
                      "The metrics their catalog entries record, measured after training "
                      "(each tag's page has the command and the recipe). The entries keep the final metrics and the "
                      "best epoch, not the per-epoch history, so there are no learning curves to draw here; "
                      "`zoo train` draws a run's own (`curves.png`, `zoo.plots.curves`).", "",
                      f"![Shipped zoo-trained weights]({image})", "",
                      _table(["tag", *metrics, "best epoch / epochs"],
                             [[f"[{t.name}](tags/{t.name}.md)", *(t.metrics.get(m, "-") for m in metrics),
                               f"{t.recipe.get('best_epoch', '-')} / {t.recipe.get('epochs', '-')}"] for t in tags]), ""]
    return "\n".join(lines)


def pages(cli_parser) -> dict[str, str | bytes]:
    """Every generated page and image of the site: path under the docs directory -> Markdown or PNG bytes.

    ``cli_parser`` is the ``zoo`` argument parser (``zoo.cli.build_parser()``), passed in because the
    library does not import its command line.
    """
    from zoo.registry.loader import get_registry

    registry = get_registry()
    generated: dict[str, str | bytes] = {CATALOG: catalog_page(registry), API: api_page(), CLI: cli_page(cli_parser),
                                         PYTORCH: pytorch_page(registry)}
    for name in registry.architectures:
        generated[f"models/{name}.md"] = architecture_page(registry, name)
    for name in registry.weights:
        generated[f"tags/{name}.md"] = tag_page(registry, name)
    images: dict[str, bytes] = {}
    generated[PLOTS] = plots_page(registry, images)
    return {**generated, **images}
