"""Reading text files and YAML mappings with the line of every key, for errors that say where."""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Problem, error

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader, except that an impossible date ('2024-13-45') stays a string,
    so that the field's own check can report it at its line instead of YAML failing the file."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def read_text(path: Path, label: str) -> tuple[str, Problem | None]:
    """The file's text, or the problem that stopped it being read (not UTF-8, unreadable)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return "", error(label, None, f"cannot be read: {exc.strerror}")
    return decode_text(data, label)


def decode_text(data: bytes, label: str) -> tuple[str, Problem | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return "", error(label, line, f"not valid UTF-8 text (byte {exc.start}); save it as UTF-8")


def parse_mapping(
    text: str, label: str, first_line: int
) -> tuple[dict[str, object], dict[str, int], list[Problem]]:
    """Parse YAML that must be a mapping; `first_line` is the file line the text starts on.

    Returns the values, the file line of each key, and the problems found.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}, []
        if not isinstance(node, yaml.MappingNode):
            line = node.start_mark.line + first_line
            return {}, {}, [error(label, line, "expected 'key: value' lines, not a single value")]
        problems: list[Problem] = []
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + first_line
            if key in lines:
                problems.append(error(label, line, f"{key}: appears twice (first at line {lines[key]})"))
            else:
                lines[key] = line
        values = loader.construct_document(node)
        return {str(k): v for k, v in values.items()}, lines, problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and any(end in str(exc.problem) for end in ("end of stream", "<stream end>")):
            # An unclosed quote or bracket is found at the end of the text: point at where it opened.
            mark = exc.context_mark
        line = mark.line + first_line if mark else None
        what = " ".join(filter(None, [exc.context, exc.problem]))
        return {}, {}, [error(label, line, f"invalid YAML: {what}")]
    except (yaml.YAMLError, TypeError) as exc:
        # TypeError: an unhashable key such as '[a, b]: 1'.
        return {}, {}, [error(label, first_line, f"invalid YAML: {exc}")]
    finally:
        loader.dispose()
