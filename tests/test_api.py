"""The public API: zoo.list, zoo.info, zoo.get and their errors."""

import pytest

import zoo


def test_list_is_in_natural_order_and_filters():
    from zoo.registry.store import natural_order

    names = zoo.list()
    assert names == sorted(names, key=natural_order) and "lenet5" in names
    resnets = zoo.list("resnet*")
    assert resnets.index("resnet18") < resnets.index("resnet50") < resnets.index("resnet101")  # as timm sorts
    assert zoo.list("lenet*") == ["lenet5"]
    assert zoo.list("nothing*") == []
    assert "lenet5" in zoo.list(task="image-classification")
    assert "lenet5" not in zoo.list(task="text-classification")


def test_unknown_name_suggests_close_matches():
    with pytest.raises(zoo.UnknownModelError) as error:
        zoo.get("lenet")
    assert "did you mean lenet5" in str(error.value) and error.value.suggestions[0] == "lenet5"
    assert isinstance(error.value, KeyError) and isinstance(error.value, ValueError)
    with pytest.raises(zoo.UnknownModelError, match="zoo list"):
        zoo.info("qwertyuiop")


def test_unknown_weight_tag_is_an_error():
    with pytest.raises(zoo.UnknownModelError, match="unknown weight tag 'lenet5.nosuchtag'"):
        zoo.info("lenet5.nosuchtag")


def test_info_is_a_model_card():
    card = zoo.info("lenet5")
    assert card.name == "lenet5" and card.family == "lenet" and card.task == "image-classification"
    assert card.plugin == "lenet" and card.distribution == "keras-zoo"
    assert card.input_shape == (32, 32, 1) and card.min_input_size == 28
    assert card.arguments["activation"] == "tanh"
    assert "LeCun" in card.paper
    assert card.weights is None  # no tag asked for


def test_info_with_a_tag_carries_the_tag():
    card = zoo.info("lenet5.mnist5k")
    assert card.name == "lenet5" and card.weights.name == "lenet5.mnist5k"
    assert card.weights.num_classes == 10 and card.weights.input_shape == (28, 28, 1)
    assert card.weights.metrics["test_accuracy"] == 0.976
    assert card.to_dict()["weights"]["file_name"] == "lenet5_mnist5k.weights.h5"


def test_get_builds_lenet5_with_the_paper_parameter_count():
    model = zoo.get("lenet5")
    assert model.count_params() == 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850
    assert model.output_shape == (None, 10)
    assert zoo.get("lenet5", input_shape=(28, 28, 1)).count_params() == 61_706
    assert zoo.get("lenet5", in_channels=3, num_classes=5).input_shape == (None, 32, 32, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_classes": 0}, "num_classes=0 is not allowed: it must be a positive integer"),
        ({"num_classes": 2.5}, "num_classes=2.5 is not allowed"),
        ({"input_shape": (16, 16, 1)}, "input_shape=(16, 16, 1) is too small for lenet5: height and width must be at least 28"),
        ({"input_shape": (32, 32)}, "input_shape=(32, 32) is not allowed for lenet5: it takes a tuple of 3 dimensions"),
        ({"in_channels": 0}, "in_channels=0 is not allowed"),
        ({"pooling": "mean"}, "pooling='mean' is not allowed: use one of (None, 'avg', 'max')"),
        ({"depth": 5}, "depth=5 is not an argument of lenet5; its arguments are"),
        ({"activation": "gelu"}, "activation='gelu' is not allowed: use one of ('tanh', 'relu')"),
        ({"dropout": 1.5}, "dropout=1.5 is not allowed"),
        ({"classifier_activation": "relu"}, "classifier_activation='relu' is not allowed"),
    ],
)
def test_bad_arguments_name_argument_value_and_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError) as error:
        zoo.get("lenet5", **kwargs)
    assert message in str(error.value)


def test_architecture_validates_its_own_fields():
    with pytest.raises(ValueError, match="task='vision' must be one of"):
        zoo.Architecture(name="x", family="x", build="a:b", task="vision")
    with pytest.raises(ValueError, match="build=42 must be a callable or 'module:function'"):
        zoo.Architecture(name="x", family="x", build=42)
    with pytest.raises(ValueError, match="must be lower-case"):
        zoo.Architecture(name="ResNet", family="x", build="a:b")
