"""YAML with line numbers, through libyaml's C loader when present.

We compose the node graph once and construct Python data from it, so each key
and list item keeps the line it came from (mkdocs and python-frontmatter throw
that away, and with it the only useful part of an error message).

Hostile YAML is refused before it costs anything: nesting deeper than MAX_DEPTH
(libyaml's composer recurses in C — 50 000 levels crash the process) by a scan of
the text before composing, and aliases that expand past MAX_NODES (a 344-byte
"billion laughs") by sizing the composed graph before anything walks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_Base):  # type: ignore[misc]
    """The C safe loader, remembering how plain scalars resolve (`SEV3` is a string,
    `true` a bool): thousands of runbooks repeat the same keys and values, and the
    resolver is Python code called for every scalar."""

    _tags: dict[tuple[str, Any], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = Loader._tags.get(key)
        if tag is None:
            if len(Loader._tags) > 100_000:
                Loader._tags.clear()
            tag = Loader._tags[key] = super().resolve(kind, value, implicit)
        return tag


MAX_DEPTH = 64  # front-matter is 3-4 levels deep; Python recursion stays far from its limit
MAX_NODES = 10_000  # values after alias expansion; a large runbook has a few hundred
_INDENT = re.compile(r"(?m)^ +")
_DASHES = re.compile(r"(?m)^ *(?:[-?] )+")

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
    """Not YAML (code `yaml-syntax`), or YAML past a limit (code `yaml-limit`)."""

    def __init__(self, message: str, line: int | None, code: str = "yaml-syntax") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.code = code


def load(text: str, first_line: int = 1) -> YamlDoc:
    """Parse ``text`` (which starts at file line ``first_line``)."""
    depth, where = nesting(text)
    if depth > MAX_DEPTH:
        raise YamlSyntaxError(f"nested more than {MAX_DEPTH} levels deep; front-matter is a "
                              f"few levels of fields", where + first_line - 1, "yaml-limit")
    loader = Loader(text)
    doc = YamlDoc(None)
    try:
        node = loader.get_single_node()
        if node is not None and "*" in text and _expanded(node, {}) > MAX_NODES:
            raise YamlSyntaxError(f"aliases (*name) expand it to more than {MAX_NODES} values; "
                                  f"write the values out instead", first_line, "yaml-limit")
        if node is not None:
            try:
                doc.data = _Builder(loader, doc, first_line).build(node, ())
            except _Unsupported:  # merge keys, aliases, rare tags: PyYAML's own way
                doc = YamlDoc(None)
                # lines first: constructing merges `<<` mappings into the node graph,
                # and their keys would then look given twice
                _index(node, (), first_line, doc)
                doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise YamlSyntaxError(what or "invalid YAML", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0], None) from None
    finally:
        loader.dispose()
    return doc


def nesting(text: str) -> tuple[int, int]:
    """An upper bound of how deep ``text`` nests (block and flow), and the line where.

    Block levels come from indentation (a stack of indents, plus compact `- - -`
    items); flow levels from brackets, counted even inside quotes (an over-estimate
    only ever refuses what is absurd anyway).
    """
    if len(text) <= MAX_DEPTH:
        return 0, 1
    # a cheap bound first (C-speed counts): every real front-matter stops here
    indent = max((len(m) for m in _INDENT.findall(text)), default=0)
    dashes = max((len(m) for m in _DASHES.findall(text)), default=0) // 2
    if indent + dashes + text.count("[") + text.count("{") + 1 <= MAX_DEPTH:
        return 0, 1
    stack: list[int] = []
    flow = worst = 0
    where = 1
    for n, line in enumerate(text.split("\n"), 1):
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        while stack and stack[-1] >= indent:
            stack.pop()
        stack.append(indent)
        level = len(stack)
        while body[:2] in ("- ", "? ") or body == "-":
            body = body[2:].lstrip(" ")
            level += 1
        if "[" in body or "{" in body or flow:
            for c in body:
                if c in "[{":
                    flow += 1
                    if level + flow > worst:
                        worst, where = level + flow, n
                elif c in "]}" and flow:
                    flow -= 1
        if level + flow > worst:
            worst, where = level + flow, n
        if worst > MAX_DEPTH:
            break
    return worst, where


def _expanded(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes the graph has once every alias is written out (memoised: linear)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    size = 1
    memo[id(node)] = 1  # a node that contains itself (`&a [*a]`) counts once, never loops
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded(k, memo) + _expanded(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded(v, memo) for v in node.value)
    size = min(size, MAX_NODES + 1)
    memo[id(node)] = size
    return size


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _Unsupported(Exception):
    pass


class _Builder:
    """Python data and the line index from the node graph in one walk — what
    SafeConstructor and `_index` produce, for the tags front-matter uses, at a fraction
    of the cost.  Anything else raises _Unsupported and takes PyYAML's own path."""

    def __init__(self, loader: Any, doc: YamlDoc, offset: int) -> None:
        self.doc = doc
        self.offset = offset
        self.active: set[int] = set()
        self.scalars = {
            "tag:yaml.org,2002:int": loader.construct_yaml_int,
            "tag:yaml.org,2002:bool": loader.construct_yaml_bool,
            "tag:yaml.org,2002:null": loader.construct_yaml_null,
            "tag:yaml.org,2002:float": loader.construct_yaml_float,
            "tag:yaml.org,2002:timestamp": loader.construct_yaml_timestamp,
        }

    def build(self, node: yaml.Node, path: Key) -> object:
        lines = self.doc.lines
        lines.setdefault(path, node.start_mark.line + self.offset)
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag != _MAP and tag != _SEQ:
            fn = self.scalars.get(tag)
            if fn is None or not isinstance(node, yaml.ScalarNode):
                raise _Unsupported(tag)
            return fn(node)
        if id(node) in self.active:
            raise _Unsupported("recursive alias")
        self.active.add(id(node))
        try:
            if tag == _SEQ:
                items: list[object] = []
                for i, item in enumerate(node.value):
                    if item.tag == _STR:  # the common case, without a call
                        lines.setdefault(path + (i,), item.start_mark.line + self.offset)
                        items.append(item.value)
                    else:
                        items.append(self.build(item, path + (i,)))
                return items
            out: dict[object, object] = {}
            seen: set[object] = set()
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    raise _Unsupported("complex key")
                # lines and duplicates by the key as written, as _index does
                raw = knode.value
                line = knode.start_mark.line + self.offset
                if raw in seen:
                    self.doc.duplicates.append((path + (raw,), line))
                seen.add(raw)
                lines[path + (raw,)] = line
                if knode.tag == _STR:
                    key = raw
                elif (make := self.scalars.get(knode.tag)) is not None:
                    key = make(knode)
                else:
                    raise _Unsupported(knode.tag)  # merge keys (<<) among them
                # a string value adds no line of its own: the key's line is its line
                out[key] = vnode.value if vnode.tag == _STR else self.build(vnode, path + (raw,))
            return out
        finally:
            self.active.discard(id(node))


def _index(node: yaml.Node, path: Key, offset: int, doc: YamlDoc,
           active: frozenset[int] = frozenset()) -> None:
    doc.lines.setdefault(path, node.start_mark.line + offset)
    if id(node) in active:
        return  # a recursive alias (`a: &a [*a]`): its lines are indexed already
    inner = active | {id(node)}
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
                _index(vnode, path + (key,), offset, doc, inner)
                doc.lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, path + (i,), offset, doc, inner)


def split_front_matter(text: str) -> tuple[dict[str, object] | None, str]:
    """(front-matter mapping, body); None when the front-matter is not valid YAML."""
    if text.startswith("---\n") and (end := text.find("\n---\n", 4)) > 0:
        try:  # the one door: bounded depth and alias expansion, as for runbooks
            meta = load(text[4:end], first_line=2).data
        except YamlSyntaxError:
            return None, text[end + 5:]
        return (meta if isinstance(meta, dict) else {}), text[end + 5:]
    return {}, text
