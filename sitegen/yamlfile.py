"""Reading text files and YAML mappings with the line of every key, for errors that say where.

YAML from content is hostile input: a few hundred bytes of nested aliases expand to
billions of values, and deep nesting overflows the C parser's stack. Both are measured
and refused before anything is built from them.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from .characters import WHY, describe, drop_forbidden, drop_forbidden_in_value
from .errors import Problem, error, shown, warning

MAX_ALIAS_VALUES = 10_000  # values that aliases (*name) may repeat, in all, in one file
MAX_DEPTH = 100  # levels of lists and mappings within lists and mappings
MAX_DIGITS = 1000  # digits of a whole number

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader, except that an impossible date ('2024-13-45') stays a string,
    so that the field's own check can report it at its line instead of YAML failing the file,
    and that a value its tag cannot be made of ('!!int abc') is an error at its line."""


def _timestamp_or_text(loader: SafeConstructor, node: yaml.ScalarNode) -> object:
    try:
        return SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, AttributeError):  # AttributeError: '!!timestamp abc' matches no date form
        return loader.construct_scalar(node)


def _reported(
    construct: Callable[[SafeConstructor, yaml.ScalarNode], object], expected: str
) -> Callable[[SafeConstructor, yaml.ScalarNode], object]:
    """`construct`, with a value it cannot make ('!!int abc', '!!bool maybe', a number of
    thousands of digits, which Python cannot even print) reported at its line."""

    def checked(loader: SafeConstructor, node: yaml.ScalarNode) -> object:
        try:
            value = construct(loader, node)
            if isinstance(value, int) and abs(value) >= _TOO_LARGE:
                raise ValueError("too many digits")
            return value
        except (ValueError, KeyError, OverflowError):
            raise ConstructorError(
                None,
                None,
                f"{shown(node.value)} is not {expected}; put it in quotes if it is text",
                node.start_mark,
            ) from None

    return checked


_TOO_LARGE = 10**MAX_DIGITS
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
_NUMBER = f"a number (of at most {MAX_DIGITS:,} digits)"
for _tag, _construct, _expected in (
    ("int", SafeConstructor.construct_yaml_int, _NUMBER),
    ("float", SafeConstructor.construct_yaml_float, _NUMBER),
    ("bool", SafeConstructor.construct_yaml_bool, "true or false"),
):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _reported(_construct, _expected))


def read_bytes(path: Path | str) -> bytes:
    """A regular file's bytes. Opening never blocks, so a file swapped for a FIFO after the
    folder was listed is refused (OSError) instead of hanging the run."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(handle, "rb") as stream:
        kind = special_kind(os.fstat(handle).st_mode)
        if kind:
            raise OSError(0, f"it is {kind}, not a file")
        return stream.read()


def special_kind(mode: int) -> str | None:
    """What a file that is neither a regular file nor a folder is ('a FIFO (named pipe)'),
    or None for a regular file or a folder."""
    kinds = (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), None)


def read_text(path: Path, label: str) -> tuple[str, Problem | None]:
    """The file's text, or the problem that stopped it being read (not UTF-8, unreadable)."""
    try:
        data = read_bytes(path)
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
    values, lines, problems = _parse_mapping(text, label, first_line)
    kept: dict[str, object] = {}
    for key, value in values.items():
        kept[key], found = drop_forbidden_in_value(value)
        if found:
            dropped.append(warning(label, lines.get(key), f"{key}: dropped {describe(found)}: {WHY}"))
    return kept, lines, dropped + problems


def _parse_mapping(
    text: str, label: str, first_line: int
) -> tuple[dict[str, object], dict[str, int], list[Problem]]:
    protected, restore = _protect_characters(text)
    try:
        if _indicators(protected) > MAX_DEPTH:
            _check_written_depth(protected)
        loader = _Loader(protected)
        try:
            node = loader.get_single_node()
            if node is None:
                return {}, {}, []
            if not isinstance(node, yaml.MappingNode):
                line = node.start_mark.line + first_line
                return {}, {}, [error(label, line, "expected 'key: value' lines, not a single value")]
            if "*" in protected:  # without an alias, the document is a tree as written
                _check_expansion(node)
            if restore:
                for scalar in _scalars(node):
                    scalar.value = scalar.value.translate(restore)
            lines, problems = _name_keys(node, label, first_line)
            if any(p.is_error for p in problems):
                return {}, {}, problems
            values = {str(k): v for k, v in loader.construct_document(node).items()}
            merged_at = lines.get("<<")
            if merged_at:  # keys a '<<' merge brought in are at its line
                lines.update({key: merged_at for key in values if key not in lines})
            return values, lines, problems
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and any(end in str(exc.problem) for end in ("end of stream", "<stream end>")):
            # An unclosed quote or bracket is found at the end of the text: point at where it opened.
            mark = exc.context_mark
        line = mark.line + first_line if mark else None
        what = " ".join(filter(None, [exc.context, exc.problem])).translate(restore)
        return {}, {}, [error(label, line, f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:  # a ReaderError: no line to show
        return {}, {}, [error(label, first_line, f"invalid YAML: {str(exc).translate(restore)}")]


def _name_keys(node: yaml.MappingNode, label: str, first_line: int) -> tuple[dict[str, int], list[Problem]]:
    """The line of each key, and the problems of the keys (one used twice, one that is a list).

    Each key becomes a name as written: 'yes:' is the key 'yes', '1.0:' the key '1.0'."""
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for index, (key_node, value_node) in enumerate(node.value):
        line = key_node.start_mark.line + first_line
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(error(label, line, "a key must be a name, not a list or a mapping"))
            continue
        key = str(key_node.value)
        if key_node.tag != "tag:yaml.org,2002:merge":
            name = yaml.ScalarNode("tag:yaml.org,2002:str", key, key_node.start_mark)
            node.value[index] = (name, value_node)
        if key in lines:
            problems.append(error(label, line, f"{key}: appears twice (first at line {lines[key]})"))
        else:
            lines[key] = line
    return lines, problems


# YAML 1.1 (PyYAML, libyaml) takes NEL, LS, PS and a lone CR for line breaks, and refuses
# DEL and the C1 controls. Front matter is split into lines at '\n' only, and its text keeps
# every character (as YAML 1.2 has it): each such character is parsed as a private-use
# character that the text does not contain, and put back in every value and key. (The
# characters XML forbids, C0 controls among them, never get here: parse_mapping has dropped
# them, characters.py.)
_SPECIAL_CHARACTERS = re.compile("[\x7f-\x9f\u2028\u2029]|\r(?!\n)")
_PRIVATE_USE = (*range(0xE000, 0xF900), *range(0xF0000, 0xFFFFE))


def _protect_characters(text: str) -> tuple[str, dict[int, str]]:
    """The text with each special character replaced, and the table that puts them back.

    A stand-in is a private-use character that is neither in the text nor can be made by
    an escape in it (its hex digits occur nowhere in the text), so putting them back never
    turns an editor's own character into another. Text made to leave none free keeps the
    rest as they are, and YAML 1.1 reads them (a clear error, never a wrong value)."""
    found = set(_SPECIAL_CHARACTERS.findall(text))
    if not found:
        return text, {}
    lowered = text.lower()
    free = (chr(c) for c in _PRIVATE_USE if chr(c) not in text and f"{c:x}" not in lowered)
    stand_ins: dict[str, str] = {}
    for character in sorted(found):
        stand_in = next(free, None)
        if stand_in is None:
            break
        stand_ins[character] = stand_in
    protected = _SPECIAL_CHARACTERS.sub(lambda m: stand_ins.get(m.group(), m.group()), text)
    return protected, {ord(stand_in): character for character, stand_in in stand_ins.items()}


def _indicators(text: str) -> int:
    """An upper bound of how deep the text nests: every level of a list or a mapping is
    opened by a character of its own ('[', '{', '- ', '? ' or the ': ' of its first key)."""
    return sum(text.count(c) for c in "[{-?:")


def _check_written_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before composing, whose recursion in the C
    parser would overflow the stack; the events are read without recursion."""
    loader = _Loader(text)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH + 1:  # + 1: the front matter's own mapping
                    raise _too_deep(event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def _too_deep(mark: Any) -> ConstructorError:  # a Mark of the C or the Python parser
    return ConstructorError(None, None, f"lists and mappings nest more than {MAX_DEPTH} levels deep", mark)


def _check_expansion(root: yaml.MappingNode) -> None:
    """Refuse a document whose aliases repeat more than MAX_ALIAS_VALUES values in all, or
    nest deeper than MAX_DEPTH once expanded, or refer to the value they are in.

    Each node is measured once (an alias is the node it names, shared), so this takes time
    in proportion to the text, whatever its aliases expand to."""
    # id(node) -> (values once expanded, levels of lists and mappings)
    measured: dict[int, tuple[int, int]] = {}
    entered: set[int] = set()  # the nodes being measured: the ancestors of the current one
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            size = 1 + sum(measured[id(c)][0] for c in children)
            depth = (
                1 + max((measured[id(c)][1] for c in children), default=0)
                if isinstance(node, yaml.CollectionNode)
                else 0
            )
            measured[key] = (size, depth)
            entered.discard(key)
            if depth > MAX_DEPTH + 1:
                raise _too_deep(node.start_mark)
            continue
        if key in measured:
            continue
        if key in entered:
            raise ConstructorError(
                None, None, "an alias (*name) refers to the value it is part of", node.start_mark
            )
        entered.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children))
    if measured[id(root)][0] - len(measured) <= MAX_ALIAS_VALUES:
        return
    # Point at the first key by which the aliases have repeated too much.
    distinct: set[int] = {id(root)}
    expanded = 1
    for pair in root.value:
        expanded += sum(measured[id(n)][0] for n in pair)
        distinct.update(id(n) for n in _distinct_nodes(pair))
        if expanded - len(distinct) > MAX_ALIAS_VALUES:
            raise ConstructorError(
                None,
                None,
                f"aliases (*name) repeat more than {MAX_ALIAS_VALUES:,} values in all (the limit "
                "that keeps a few bytes from expanding to billions); write the values out",
                pair[0].start_mark,
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _distinct_nodes(nodes: Iterable[yaml.Node]) -> list[yaml.Node]:
    """`nodes` and every node below them, each once (an alias is the node it names)."""
    seen: dict[int, yaml.Node] = {}
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            pending.extend(_children(node))
    return list(seen.values())


def _scalars(root: yaml.Node) -> list[yaml.ScalarNode]:
    return [n for n in _distinct_nodes([root]) if isinstance(n, yaml.ScalarNode)]


def _composed(text: str) -> tuple[yaml.Node | None, dict[int, str]]:
    """The YAML node tree of `text` (None when it is not YAML), and the table that turns
    the characters protected for the parser back (str.translate)."""
    protected, restore = _protect_characters(text)
    loader = _Loader(protected)
    try:
        return loader.get_single_node(), restore
    except yaml.YAMLError:
        return None, restore
    finally:
        loader.dispose()


def nested_lines(text: str, key: str, first_line: int = 1, depth: int = 3) -> dict[tuple[str, ...], int]:
    """The file line of each key and list item within the value of the top-level `key`, by
    the path of names that leads to it (('tags', 'ukraine-war') for a key of the mapping
    under `tags:`), down to `depth` levels, for errors that point inside a long value. Call
    it on text that parse_mapping read without errors; empty when it cannot tell."""
    root, restore = _composed(text)
    lines: dict[tuple[str, ...], int] = {}
    pending: list[tuple[tuple[str, ...], yaml.Node]] = []
    if isinstance(root, yaml.MappingNode):
        pending = [((), value) for name, value in root.value if getattr(name, "value", None) == key]
    while pending:
        path, node = pending.pop()
        if len(path) >= depth:
            continue
        if isinstance(node, yaml.MappingNode):
            items = [(name, value) for name, value in node.value if isinstance(name, yaml.ScalarNode)]
        elif isinstance(node, yaml.SequenceNode):
            items = [(item, None) for item in node.value if isinstance(item, yaml.ScalarNode)]
        else:
            continue
        for name, value in items:
            below = (*path, str(name.value).translate(restore))
            lines.setdefault(below, name.start_mark.line + first_line)
            if value is not None:
                pending.append((below, value))
    return lines


def item_lines(text: str, first_line: int = 1) -> dict[tuple[str | int, ...], int]:
    """The file line of every value in a YAML mapping, by its path: key names for mappings,
    0-based positions for list items (('sections', 1, 'articles', 0) is the first article of
    the second section), for errors that point at one item of a list. Call it on text that
    parse_mapping read without errors; empty when it cannot tell."""
    root, _ = _composed(text)
    lines: dict[tuple[str | int, ...], int] = {}
    pending: list[tuple[tuple[str | int, ...], yaml.Node]] = [((), root)] if root is not None else []
    seen: set[int] = set()  # a node an alias repeats is walked once (no 'billion laughs')
    while pending:
        path, node = pending.pop()
        if len(path) > 8 or id(node) in seen:  # deeper than any front matter sitegen reads
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for name, value in node.value:
                if isinstance(name, yaml.ScalarNode):
                    below = (*path, str(name.value))
                    lines.setdefault(below, name.start_mark.line + first_line)
                    pending.append((below, value))
        elif isinstance(node, yaml.SequenceNode):
            for number, item in enumerate(node.value):
                below = (*path, number)
                lines.setdefault(below, item.start_mark.line + first_line)
                pending.append((below, item))
    return lines
