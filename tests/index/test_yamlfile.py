"""The one YAML reader: safe loading, and errors that say where and what."""

from __future__ import annotations

import pytest
import yaml

from index.yamlfile import YamlError, duplicate_key, line_of, parse


def test_values_and_the_tree_they_come_from() -> None:
    document = parse("a:\n  b: [1, 2]\nc: x\n", "f.yaml")
    assert document.data == {"a": {"b": [1, 2]}, "c": "x"}
    assert line_of(document.tree, ("a", "b", "1")) == 2
    assert line_of(document.tree, ("c",)) == 3
    assert line_of(document.tree, ("a", "nothing")) == 1  # the nearest key found
    assert parse("", "f.yaml").data is None


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("a: [unclosed\n", 2, "expected ',' or ']'"),
        ("a: 1\n\tb: 2\n", 2, "found character '\\t'"),
        ("x: !!python/object/apply:os.system [echo]\n", 1, "could not determine a constructor"),
    ],
)
def test_an_error_names_the_source_line_and_problem(text: str, line: int, problem: str) -> None:
    with pytest.raises(YamlError) as info:
        parse(text, "f.yaml")
    error = info.value
    assert (error.source, error.line) == ("f.yaml", line)
    assert error.problem.startswith(problem)
    assert str(error) == f"f.yaml, line {line}: not valid YAML: {error.problem}"
    assert "\n" not in error.detail and problem in error.detail


def test_yaml_inside_a_larger_file_counts_lines_from_where_it_starts() -> None:
    with pytest.raises(YamlError) as info:
        parse("title: Notes\nplace: [unclosed", "notes.md", first_line=2)
    assert info.value.line == 3


def test_a_key_set_twice_is_found_with_both_lines() -> None:
    tree = parse("a:\n  b: 1\n  b: 2\n", "f.yaml").tree
    assert duplicate_key(tree) == ("a.b", 3, 2)
    assert duplicate_key(yaml.compose("&x [*x]\n")) is None  # a list holding itself
