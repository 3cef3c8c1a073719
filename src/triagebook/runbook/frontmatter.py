"""YAML with line numbers, through libyaml's C loader when present.

We compose the node graph once and construct Python data from it, so each key
and list item keeps the line it came from (mkdocs and python-frontmatter throw
that away, and with it the only useful part of an error message).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Key = tuple[object, ...]


@dataclass(slots=True)
class YamlDoc:
    """Data plus the 1-based file line of every key path, e.g. ('context', 'x', 'pattern')."""

    data: object
    lines: dict[Key, int] = field(default_factory=dict)
    duplicates: list[tuple[Key, int]] = field(default_factory=list)

    def line(self, *key: object, default: int | None = None) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return default


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load(text: str, first_line: int = 1) -> YamlDoc:
    """Parse ``text`` (which starts at file line ``first_line``)."""
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise YamlSyntaxError(what or "invalid YAML", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0], None) from None
    finally:
        loader.dispose()
    doc = YamlDoc(data)
    if node is not None:
        _index(node, (), first_line, doc)
    return doc


def _index(node: yaml.Node, path: Key, offset: int, doc: YamlDoc) -> None:
    doc.lines.setdefault(path, node.start_mark.line + offset)
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for knode, vnode in node.value:
            key = knode.value
            line = knode.start_mark.line + offset
            if key in seen:
                doc.duplicates.append((path + (key,), line))
            seen.add(key)
            doc.lines[path + (key,)] = line
            if isinstance(vnode, (yaml.MappingNode, yaml.SequenceNode)):
                _index(vnode, path + (key,), offset, doc)
                doc.lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, path + (i,), offset, doc)


def split_front_matter(text: str) -> tuple[dict[str, object] | None, str]:
    """(front-matter mapping, body); None when the front-matter is not valid YAML."""
    if text.startswith("---\n") and (end := text.find("\n---\n", 4)) > 0:
        try:
            meta = yaml.safe_load(text[4:end])
        except yaml.YAMLError:
            return None, text[end + 5:]
        return (meta if isinstance(meta, dict) else {}), text[end + 5:]
    return {}, text
