"""The docs site's page of :func:`zoo.explain` on the shipped tags, drawn when the site is built.

lenet5's first-layer filters, a digit's feature maps through its stages, Grad-CAM on Fashion-MNIST test
images the model gets right and wrong, and five review sentences with the words that decided them.
The site's build (``docs/hooks.py``) runs ``python docs/gallery.py DIR`` in a process of its own,
which writes the page and its images under ``DIR``, so that the build itself never imports TensorFlow.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

PAGE = "explain-gallery.md"
IMAGES = "img/explain"
DIGITS, FASHION, REVIEWS = "lenet5.mnist5k", "resnet20.fashion_mnist", "textcnn_rand.rotten_tomatoes"
SHOWN = 4  # right and wrong predictions each
SENTENCES = (  # written for the page: the model never saw them
    "a gripping , beautifully shot film with a terrific cast",
    "dull , lifeless and far too long",
    "the script is clever but the pacing drags in the second half",
    "one of the most moving and honest films of the year",
    "a tired retread of a story we have seen too many times",
)


def gallery_page(images: dict[str, bytes]) -> str:
    """The page's Markdown; its PNGs are added to ``images`` (path under the docs directory -> bytes)."""
    import zoo
    from zoo.inference.evaluation import load_model
    from zoo.insight.explanation import evidence_entries
    from zoo.insight.rendering import evidence_sections

    lines = ["# Inside the shipped models", "",
             "Drawn by `zoo.explain` from the shipped weights when this site was built ([the guide](explain.md) "
             "says how to draw them for any model).", ""]
    with tempfile.TemporaryDirectory() as tmp:
        def keep(path: Path, name: str) -> str:
            images[f"{IMAGES}/{name}"] = Path(path).read_bytes()
            return f"{IMAGES}/{name}"

        model, identity = load_model(DIGITS)
        [filters] = zoo.explain(model, method="filters", identity=identity, out=Path(tmp) / "filters")
        lines += ["## lenet5's first-layer filters", "",
                  f"The six 5x5 kernels of `{filters.layer}` in `{DIGITS}`, blue negative, red positive: "
                  "edge and stroke detectors learnt from digits.", "",
                  f"![lenet5 filters]({keep(filters.files[0], 'lenet5.filters.png')})", ""]
        digits, labels = zoo.datasets.load("mnist5k").test
        lines += ["## A digit through lenet5's stages", "",
                  f"The feature maps of test digit {labels[0]} at each stage `zoo info lenet5` lists.", ""]
        for index, stage in enumerate(zoo.info(DIGITS).stages):
            [maps] = zoo.explain(model, digits[:1], method="feature_maps", stage=index, identity=identity,
                                 out=Path(tmp) / f"stage{index}")
            lines += [f"![stage {index}]({keep(maps.files[0], f'digit.stage{index}.png')})", ""]

        model, identity = load_model(FASHION)
        pictures, truth = zoo.datasets.load("fashion_mnist").test
        found = zoo.explain(model, pictures[:100], method="gradcam", identity=identity)
        names = identity.labels()
        right = [i for i, f in enumerate(found) if f.classes[0] == truth[i]][:SHOWN]
        wrong = [i for i, f in enumerate(found) if f.classes[0] != truth[i]][:SHOWN]
        lines += ["## Grad-CAM on Fashion-MNIST test images", "",
                  f"`{FASHION}`'s last stage (`{found[0].layer}`), for the class it predicts: where it looked.", ""]
        for title, chosen in (("Right", right), ("Wrong", wrong)):
            drawn = zoo.explain(model, pictures[chosen], method="gradcam", identity=identity, out=Path(tmp) / title)
            lines += [f"### {title}", ""]
            for index, item in zip(chosen, drawn):
                path = keep(item.files[0], f"fashion.{index}.gradcam.png")
                lines += [f"![test image {index}: {names[truth[index]]}]({path}){{ width=\"300\" }} "
                          f"test image {index}: truly {names[truth[index]]}, predicted {item.labels[0]}", ""]

        found = zoo.explain(REVIEWS, list(SENTENCES), method="evidence")
        lines += ["## What decided five reviews", "",
                  f"`{REVIEWS}`: each word shaded by its share of the n-grams its filters picked (green for "
                  "the predicted class, red against it), and the top n-grams with their contributions to the "
                  "class's logit against the others'.", "", '<div markdown="0">',
                  evidence_sections([entry for item in found for entry in evidence_entries(item, item.name)]),
                  "</div>", ""]
    return "\n".join(lines)


def write_gallery(directory: Path) -> list[Path]:
    """Write the page and its images under ``directory`` (paths as under the docs directory); returns them."""
    images: dict[str, bytes] = {}
    page = gallery_page(images)
    written = []
    for name, content in {PAGE: page.encode("utf-8"), **images}.items():
        path = Path(directory) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


if __name__ == "__main__":
    write_gallery(Path(sys.argv[1]))
