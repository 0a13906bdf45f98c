"""The `zoo` command line: output and exit codes, never a traceback for user errors."""

import sys

from conftest import ROOT, run_zoo


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


def test_list_sorts_names_naturally():
    rows = [row.split()[0] for row in run_zoo("list", "resnet*").stdout.splitlines()[1:]]
    assert rows.index("resnet18") < rows.index("resnet50") < rows.index("resnet101") < rows.index("resnet152")


def test_info_agrees_with_the_site_on_license_gmacs_and_input():
    sys.path.insert(0, str(ROOT / "docs"))
    import generate as reference  # docs/generate.py
    from zoo.registry.cards import gmacs, license_of, load_stats
    from zoo.registry.loader import get_registry

    registry = get_registry()
    for name in ("lenet5", "resnet50"):
        out = run_zoo("info", name).stdout
        fields = {line[:17].strip(): line[17:] for line in out.splitlines() if line[:1].strip()}
        page = reference.architecture_page(registry, name)
        assert fields["license"] == license_of(registry, name) != "" and f"| license | {fields['license']} |" in page
        assert fields["GMACs"] == gmacs(load_stats(name)["macs"]) and f"| GMACs | {fields['GMACs']} |" in page
        assert f"| input shape | {fields['input shape']} |" in page
    lenet = run_zoo("info", "lenet5").stdout
    assert "GMACs            0.0004165" in lenet and "license          Apache-2.0" in lenet
    assert "input shape      32x32x1 (minimum size 28); its weights lenet5.mnist5k take 28x28x1" in lenet
    assert "the paper's 32x32" in lenet  # why the default is not the weights' 28x28


def test_plugins_fits_the_terminal():
    result = run_zoo("plugins", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    for name in ("resnet18", "resnet152v2", "textcnn_multichannel", "vgg19_bn"):
        assert name in result.stdout
