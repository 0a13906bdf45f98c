"""``zoo train``, ``zoo evaluate`` and ``zoo predict``: training runs and using their weights."""

from __future__ import annotations

import sys

from zoo.checks import check_integer


def key_values(items: list[str] | None, option: str) -> dict:
    """``["lr=0.1", "augmentation=[flip, crop]"]`` as ``{"lr": 0.1, "augmentation": ["flip", "crop"]}`` (YAML values)."""
    import yaml

    values = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{option} {item!r} is not allowed: write {option} NAME=VALUE, e.g. {option} lr=0.01")
        try:
            values[key.strip().replace("-", "_")] = yaml.safe_load(value)
        except yaml.YAMLError as error:
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise ValueError(f"{option} {item!r} is not allowed: {value!r} is not a YAML value ({problem}); "
                             f"write lists as [a, b] and strings plainly, e.g. {option} augmentation=[flip, crop]") \
                from None
    return values


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a model on a dataset, resuming an interrupted run")
    parser.add_argument("name", help="architecture (lenet5), or architecture.tag to fine-tune its weights")
    parser.add_argument("--data", required=True, help="built-in dataset (mnist5k, digits, fashion_mnist, mnist, ...) "
                                                      "or a directory with one subfolder per class")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--set", action="append", metavar="FIELD=VALUE",
                        help="override any recipe field, e.g. --set optimizer=sgd --set label_smoothing=0.1")
    parser.add_argument("--arg", action="append", metavar="NAME=VALUE",
                        help="a build argument of the architecture, e.g. --arg activation=relu")
    parser.add_argument("--run-dir", help="where checkpoints, logs, weights and the card go (default runs/NAME-DATA)")
    parser.add_argument("--no-resume", action="store_true", help="start over instead of resuming the run directory")
    parser.add_argument("--strategy", choices=("mirrored", "multi_worker"))
    parser.add_argument("--precision", default="auto", choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"))
    parser.add_argument("--pretrained", metavar="TAG", help="start from these weights (a tag or a weights file)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hparams", metavar="BEST_JSON",
                        help="arguments and recipe found by `zoo tune` (its best.json); --arg and --set override them")
    parser.set_defaults(run=run_train)

    parser = subparsers.add_parser(
        "evaluate", help="top-1 and top-5 accuracy of trained weights on a dataset, of one model or several",
        description="Evaluate each MODEL on the same data: top-1 and, where the model has more than five classes, "
                    "top-5 accuracy. A directory given as --data (one sub-folder per class, named after the "
                    "model's classes) is all test data (--split validation: the part zoo train held out of it). --results writes one row per model (CSV or JSON), as "
                    "timm's validate.py --results-file does.")
    parser.add_argument("names", nargs="+", metavar="MODEL",
                        help="a weight tag (lenet5.mnist5k) or a pattern of tags ('lenet5.*'), a run directory or its "
                             "card.json, or an architecture with --weights")
    parser.add_argument("--weights", help="a .weights.h5 file (from zoo train: its card.json is read too)")
    parser.add_argument("--data", required=True, help="built-in dataset, or a directory of test data")
    parser.add_argument("--split", default="test", choices=("train", "validation", "test"))
    parser.add_argument("--results", metavar="FILE", help="write the results, one row per model: FILE.csv or FILE.json")
    parser.add_argument("--plot", metavar="PNG", help="write a confusion matrix image (one MODEL)")
    parser.set_defaults(run=run_evaluate)

    parser = subparsers.add_parser("predict", help="top classes for image files or lines of text")
    parser.add_argument("name", metavar="MODEL",
                        help="a weight tag (lenet5.mnist5k), a run directory or its card.json, "
                             "or an architecture with --weights")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, or text (one argument per text)")
    parser.add_argument("--weights", help="a .weights.h5 file (from zoo train: its card.json is read too)")
    parser.add_argument("--top", type=int, default=3, help="how many classes to show per input (default 3)")
    parser.set_defaults(run=run_predict)


def run_train(args) -> int:
    from zoo.training.driver import train
    from zoo.tuning.search import read_hparams

    tuned = read_hparams(args.hparams, args.name) if args.hparams else {"model_args": {}, "recipe": None,
                                                                         "pretrained": False}
    overrides = key_values(args.set, "--set")  # recipe fields; --epochs, --batch-size and --lr win
    overrides.update({k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size), ("lr", args.lr))
                      if v is not None})
    result = train(args.name, args.data, run_dir=args.run_dir, resume=not args.no_resume, strategy=args.strategy,
                   precision=args.precision, pretrained=args.pretrained or tuned["pretrained"], recipe=tuned["recipe"],
                   model_args={**tuned["model_args"], **key_values(args.arg, "--arg")}, seed=args.seed, **overrides)
    if result.epochs_run == 0:
        print(f"{result.run_dir} had already finished its {result.recipe.epochs}-epoch run: nothing was trained, its "
              f"best weights were evaluated (--no-resume starts over; --epochs N trains on up to N)")
    accuracy = result.metrics.get("test_accuracy", result.metrics.get("val_accuracy"))
    split = "test" if "test_accuracy" in result.metrics else "validation"
    if accuracy is not None:
        print(f"{split} accuracy: {accuracy:.2%}")
    print(f"weights saved to {result.weights}")
    print(f"model card: {result.card}")
    return 0


def run_evaluate(args) -> int:
    from zoo.inference.evaluation import (TOP, check_results_file, evaluate, evaluation_data, load_model, model_names,
                                          write_results)

    if args.results:
        check_results_file(args.results)  # before any model is loaded
    names = model_names(args.names)
    if len(names) > 1 and (args.weights or args.plot):
        raise ValueError(f"--{'weights' if args.weights else 'plot'} takes one MODEL; {len(names)} were given "
                         f"({', '.join(names[:3])}{' ...' if len(names) > 3 else ''})")
    dataset = evaluation_data(args.data, args.split)
    rows, refused = [], 0
    for name in names:
        try:
            model, identity = load_model(name, args.weights, dataset=dataset)
            metrics, y_true, y_pred = evaluate(model, dataset, args.split, identity=identity)
        except ValueError as error:
            if len(names) == 1:
                raise
            refused += 1  # one model that does not fit the data does not stop the others (timm's validate.py)
            print(f"zoo evaluate: {name}: error: {error}", file=sys.stderr)
            continue
        top5 = metrics.get(f"top{TOP}_accuracy")
        print((f"{name}  " if len(names) > 1 else "") + f"{args.split} accuracy: {metrics['accuracy']:.2%}"
              + (f", top-{TOP} {top5:.2%}" if top5 is not None else "")
              + f" ({metrics['examples']} examples of {dataset.name})")
        rows.append({"model": name, "data": dataset.name, "split": args.split, "examples": metrics["examples"],
                     "top1": round(100 * metrics["accuracy"], 3),
                     f"top{TOP}": round(100 * top5, 3) if top5 is not None else None})
        if args.plot:
            from zoo.plots import confusion_matrix

            confusion_matrix(y_true, y_pred, identity.labels(), args.plot,
                             title=f"{identity.name} on {dataset.name} ({args.split}): {metrics['accuracy']:.2%}")
            print(f"confusion matrix: {args.plot}")
    if args.results and rows:
        print(f"results: {write_results(rows, args.results)}")
    return 2 if refused else 0


def run_predict(args) -> int:
    from zoo.inference.evaluation import load_model, predict

    check_integer("--top", args.top)
    model, identity = load_model(args.name, args.weights)
    for item, top in zip(args.inputs, predict(model, args.inputs, identity, top=args.top)):
        print(f"{item}: " + ", ".join(f"{label} {p:.1%}" for label, p in top))
    return 0
