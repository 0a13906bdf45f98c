"""TextCNN (Kim 2014): convolutional sentence classification, the variants of Kim's Table 2.

- ``textcnn_rand`` (alias ``textcnn``): embeddings initialised at random and trained.
- ``textcnn_static``: pretrained word vectors, frozen.
- ``textcnn_nonstatic``: pretrained word vectors, fine-tuned.
- ``textcnn_multichannel``: two channels of the same vectors, one frozen and one fine-tuned.

Pretrained vectors come from ``embeddings=`` (a matrix, or a word2vec/GloVe
text file read with the model's ``vocabulary``); without them the vectors
start at random, which is what loading trained weights needs. With
``include_preprocessing=True`` the model takes raw strings through a
:class:`zoo.layers.text.Vectorizer`. The network is in :mod:`zoo_plugins.nets.textcnn`.

Example::

    >>> model = zoo.get("textcnn", num_classes=2, include_preprocessing=True, max_tokens=10000)
    >>> model.get_layer("vectorizer").adapt(train_texts)
"""

import zoo

from .sources import CATALOG

PAPER = "Kim 2014, Convolutional Neural Networks for Sentence Classification (EMNLP)"
MR_SOURCE = f"{PAPER}, Table 2 (MR, 10-fold cross-validation)"

# Adam rather than the paper's Adadelta: it gets there in fewer epochs. Batch 50 as in the paper.
RECIPE = zoo.TrainingRecipe(optimizer="adam", lr=1e-3, batch_size=50, epochs=10, early_stopping_patience=2)

WINDOWS = {"3,4,5": (3, 4, 5), "2,3,4": (2, 3, 4), "3,5,7": (3, 5, 7), "1,2,3": (1, 2, 3)}


def space(hp, architecture):
    """Search space: embedding width, window sizes, feature maps per window, dropout (defaults: Kim's)."""
    defaults = architecture.defaults
    return {
        "embedding_dim": hp.Choice("embedding_dim", [300, 64, 128], default=defaults["embedding_dim"]),
        "filter_sizes": WINDOWS[hp.Choice("filter_sizes", list(WINDOWS), default="3,4,5")],
        "num_filters": hp.Int("num_filters", 50, 200, step=50, default=defaults["num_filters"]),
        "dropout": hp.Float("dropout", 0.2, 0.6, step=0.1, default=defaults["dropout"]),
    }


FAMILY = zoo.Family(
    base=zoo.Architecture(
        name="textcnn_rand",
        family="textcnn",
        build="zoo_plugins.nets.textcnn:build_textcnn",
        task="text-classification",
        # The architecture's own arguments and their defaults: Kim's hyperparameters.
        defaults={
            "vocab_size": None,  # embedding rows; None: 1 + num_oov_buckets + max_tokens
            "embedding_dim": 300,
            "sequence_length": None,  # token ids per text; None: input_shape[0]
            "filter_sizes": (3, 4, 5),
            "num_filters": 100,  # feature maps per window size
            "dropout": 0.5,
            "max_norm": 3.0,  # L2 norm constraint on the classifier's weight vectors; None: off
            "channels": ("trainable",),  # embedding channels, each "trainable" or "frozen"
            "embeddings": None,  # initial vectors: a (vocab_size, embedding_dim) array or a word2vec/GloVe text file
            "include_preprocessing": False,  # True: the input is raw strings, through a zoo.layers.text.Vectorizer
            "vocabulary": None,  # the vectorizer's tokens (list or file), most frequent first; None: adapt later
            "max_tokens": 20000,
            "min_count": 1,  # the vectorizer's adapt keeps tokens seen this often
            "num_oov_buckets": 1,
            "tokenizer": "unicode_script",  # or "whitespace"
            "classifier_activation": "softmax",
        },
        input_shape=(56,),
        min_input_size=None,
        num_classes=2,
        free_arguments=("max_norm", "min_count"),  # a training constraint, and adapt's cut-off
        initializer_arguments=("embeddings", "vocabulary"),  # initial values, held by the weights after
        recipe=RECIPE,
        search_space=space,
        paper=PAPER,
        description="TextCNN: embedding channels, 1-D convolutions of several widths, max-over-time, classifier.",
    ),
    variants={
        "textcnn_rand": {"channels": ("trainable",)},  # Kim's CNN-rand: embeddings from random, trained
        "textcnn_static": {"channels": ("frozen",)},  # CNN-static: frozen pretrained vectors
        "textcnn_nonstatic": {"channels": ("trainable",)},  # CNN-non-static: fine-tuned pretrained vectors
        "textcnn_multichannel": {"channels": ("frozen", "trainable")},  # CNN-multichannel: both
    },
    # Kim (2014), Table 2: test accuracy (%) on MR, Pang & Lee's movie-review sentences.
    metrics={
        "textcnn_rand": {"mr_accuracy": {"value": 76.1, "source": MR_SOURCE}},
        "textcnn_static": {"mr_accuracy": {"value": 81.0, "source": MR_SOURCE}},
        "textcnn_nonstatic": {"mr_accuracy": {"value": 81.5, "source": MR_SOURCE}},
        "textcnn_multichannel": {"mr_accuracy": {"value": 81.1, "source": MR_SOURCE}},
    },
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(FAMILY)
    registry.add_alias("textcnn", "textcnn_rand")


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "textcnn")
