"""Reading text files and YAML mappings with the line of every key, for errors that say where."""

from __future__ import annotations

from pathlib import Path

import yaml

from .characters import WHY, describe, drop_forbidden, drop_forbidden_in_value
from .errors import Problem, error, warning

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

    Returns the values, the file line of each key, and the problems found. Characters XML
    forbids are dropped from the text and from the values (a YAML escape such as "\\e"
    makes one), with a warning at their line or their key's line.
    """
    text, dropped = drop_forbidden(text, label, first_line)
    text, stand_ins = _stand_in_for_breaks(text)
    values, lines, problems = _parse_mapping(text, label, first_line)
    kept: dict[str, object] = {}
    for key, value in values.items():
        key = key.translate(stand_ins)
        kept[key], found = drop_forbidden_in_value(_restore(value, stand_ins))
        if found:
            dropped.append(warning(label, lines.get(key), f"{key}: dropped {describe(found)}: {WHY}"))
    return kept, {key.translate(stand_ins): line for key, line in lines.items()}, dropped + problems


# Line breaks to YAML 1.1 (PyYAML and libyaml) but ordinary characters to YAML 1.2 and to
# the editor's eye: a title holding one lost it, or was cut there, or folded it into a space.
_YAML_1_1_BREAKS = "\x85\u2028\u2029"


def _stand_in_for_breaks(text: str) -> tuple[str, dict[int, str]]:
    """`text` with each of _YAML_1_1_BREAKS replaced by a private-use character that
    neither occurs in it nor can come from an escape in it (its hex digits are nowhere in
    the text), and the table that puts them back."""
    present = [c for c in _YAML_1_1_BREAKS if c in text]
    if not present:
        return text, {}
    lowered = text.lower()
    free = (chr(n) for n in range(0xE000, 0xF900) if chr(n) not in text and f"{n:x}" not in lowered)
    stand_ins = {}
    for character in present:
        stand_in = next(free, None)
        if stand_in is None:  # text made to hold every candidate: YAML 1.1 it is
            break
        text = text.replace(character, stand_in)
        stand_ins[ord(stand_in)] = character
    return text, stand_ins


def _restore(value: object, stand_ins: dict[int, str]) -> object:
    if not stand_ins:
        return value
    if isinstance(value, str):
        return value.translate(stand_ins)
    if isinstance(value, list):
        return [_restore(item, stand_ins) for item in value]
    if isinstance(value, dict):
        return {_restore(k, stand_ins): _restore(v, stand_ins) for k, v in value.items()}
    return value


def _parse_mapping(
    text: str, label: str, first_line: int
) -> tuple[dict[str, object], dict[str, int], list[Problem]]:
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
