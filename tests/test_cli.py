"""The `zoo` command line: output and exit codes, never a traceback for user errors."""

from conftest import run_zoo


def test_list_prints_a_table():
    result = run_zoo("list")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["name", "family", "task", "params", "weights"]
    lenet = next(row for row in rows if row.startswith("lenet5 "))
    assert lenet.split()[:4] == ["lenet5", "lenet", "image-classification", "61.7K"]


def test_list_pattern_and_no_match():
    assert run_zoo("list", "lenet*").stdout.splitlines()[1].startswith("lenet5")
    result = run_zoo("list", "nothing*")
    assert result.returncode == 0 and "no architecture matches 'nothing*'" in result.stdout


def test_info_shows_the_card():
    result = run_zoo("info", "lenet5")
    assert result.returncode == 0, result.stderr
    assert "family           lenet" in result.stdout
    assert "parameters       61,706" in result.stdout
    assert "plugin           lenet (keras-zoo" in result.stdout


def test_info_with_a_tag_shows_the_weights():
    result = run_zoo("info", "lenet5.mnist5k")
    assert result.returncode == 0, result.stderr
    block = result.stdout.split("\nweights lenet5.mnist5k\n", 1)[1]
    lines = [" ".join(line.split()) for line in block.splitlines()]
    assert "file lenet5_mnist5k.weights.h5 (keras)" in lines
    assert "sha256 bed8f4669e830972363193d987c22d234989d98233bab6eae8c149e9870e83d6" in lines
    assert any(line.startswith("local copy /") and line.endswith("weights/lenet5_mnist5k.weights.h5")
               for line in lines)  # the shipped file
    assert "input shape 28x28x1" in lines and "classes 10" in lines
    assert "metric test_accuracy 0.976" in lines


def test_user_errors_exit_2_with_one_line():
    result = run_zoo("info", "resnet5")
    assert result.returncode == 2
    assert result.stderr.strip() == "zoo info: error: unknown model 'resnet5'; did you mean resnet56, resnet50, resnet152?"
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2():
    result = run_zoo("list", "--task", "audio")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_the_cli_prints_only_its_own_output():
    """TensorFlow's native start-up lines (oneDNN, CUDA stubs, cuInit) stay off stderr; a fatal line would not."""
    result = run_zoo("evaluate", "lenet5.mnist5k", "--data", "digits", env={"TF_CPP_MIN_LOG_LEVEL": ""})
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout.startswith("test accuracy: ")
    shown = run_zoo("evaluate", "lenet5.mnist5k", "--data", "digits", env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert "oneDNN" in shown.stderr  # TensorFlow's own variable still shows them when asked
