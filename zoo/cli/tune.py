"""``zoo tune``: a KerasTuner search over one or several architectures (docs/tuning.md)."""

from __future__ import annotations

from zoo.cli.train import key_values
from zoo.tuning.search import TUNERS, tune


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "tune", help="search architectures and training hyperparameters with KerasTuner",
        description="Search hyperparameters with KerasTuner; prints the trials ranked and writes the best model, "
                    "best.json and a model card under DIRECTORY/PROJECT/best/. Run again with the same directory "
                    "to continue an interrupted search.")
    parser.add_argument("pattern", nargs="+", help="architecture names or fnmatch patterns, e.g. lenet5 'resnet*'")
    parser.add_argument("--data", required=True, help="a dataset name (zoo.datasets.list())")
    parser.add_argument("--tuner", choices=tuple(TUNERS), default="bayesian")
    parser.add_argument("--max-trials", type=int, default=10, help="trials in total, across restarts and workers")
    parser.add_argument("--objective", default="val_accuracy", help="a metric the models report (default: val_accuracy)")
    parser.add_argument("--epochs", type=int, help="epochs per trial (default: the recipe's; Hyperband's maximum)")
    parser.add_argument("--directory", default="zoo-tuning", help="KerasTuner's working directory")
    parser.add_argument("--project-name", help="the project folder under DIRECTORY (default: from the pattern)")
    parser.add_argument("--overwrite", action="store_true",
                        help="start afresh instead of continuing: removes DIRECTORY/PROJECT when a search wrote it, "
                             "never another folder")
    parser.add_argument("--arg", action="append", metavar="NAME=VALUE",
                        help="a build argument fixed for every trial, e.g. --arg include_preprocessing=true")
    parser.add_argument("--pretrained", help="fine-tune from this weight tag or weights file (two phases)")
    parser.add_argument("--no-tune-training", dest="tune_training", action="store_false",
                        help="keep the recipe's lr, weight decay, label smoothing, batch size and optimizer")
    parser.add_argument("--distributed", action="store_true",
                        help="join KerasTuner's chief/worker protocol (KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP, "
                             "KERASTUNER_ORACLE_PORT)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--verbose", default="auto", choices=("auto", "0", "1", "2"),
                        help="Keras fit verbosity; auto (the default): a progress bar in a terminal, one line per "
                             "epoch otherwise (never escape codes into a file or a pipe)")
    parser.set_defaults(run=run)


def run(args) -> int:

    tune(args.pattern if len(args.pattern) > 1 else args.pattern[0], args.data, tuner=args.tuner,
         max_trials=args.max_trials, objective=args.objective, directory=args.directory,
         project_name=args.project_name, overwrite=args.overwrite, pretrained=args.pretrained,
         tune_training=args.tune_training, model_args=key_values(args.arg, "--arg"), epochs=args.epochs,
         distributed=args.distributed, seed=args.seed, verbose=args.verbose if args.verbose == "auto" else int(args.verbose))
    return 0
