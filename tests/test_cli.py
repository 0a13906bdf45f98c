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


def test_user_errors_exit_2_with_one_line():
    result = run_zoo("info", "resnet5")
    assert result.returncode == 2
    assert result.stderr.strip() == "zoo info: error: unknown model 'resnet5'; did you mean resnet56, resnet50, resnet152?"
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2():
    result = run_zoo("list", "--task", "audio")
    assert result.returncode == 2 and "invalid choice" in result.stderr
