"""Cutting a runbook's `## Steps` section into steps, from markdown-it's block tokens:
level-3 headings, or the items of a top-level ordered list."""

from __future__ import annotations

import textwrap

from markdown_it.token import Token

from triagebook.runbook.model import CodeBlock, Step
from triagebook.runbook.titles import lead, plain


def _heading_text(tokens: list[Token], i: int) -> str:
    inline = tokens[i + 1]
    return plain(inline.content) if inline.type == "inline" else ""


def steps_of(tokens: list[Token], lines: list[str]) -> tuple[str, list[Step], bool]:
    """Find the `## Steps` section and cut it into steps; and is there a title (h1)?"""
    # One pass over the tokens for what the rest needs: the top-level headings.
    heads = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0]
    has_h1 = any(tokens[i].tag == "h1" for i in heads)
    start = end = None
    intro_start = 1
    for n, i in enumerate(heads):
        tag = tokens[i].tag
        if tag == "h1" and start is None and tokens[i].map:
            intro_start = tokens[i].map[1]  # type: ignore[index]
        if start is None and tag == "h2" and _heading_text(tokens, i).lower() == "steps":
            start = n
        elif start is not None and tag in ("h1", "h2"):
            end = n
            break
    if start is None:
        return "", [], has_h1
    first = heads[start]
    last = heads[end] if end is not None else len(tokens)
    fm_map, steps_map = tokens[0].map, tokens[first].map
    fm_end = fm_map[1] if fm_map else 0
    steps_line = steps_map[0] if steps_map else fm_end
    intro = "\n".join(lines[max(intro_start, fm_end):steps_line]).strip()
    end_map = tokens[last].map if last < len(tokens) else None
    stop_line = end_map[0] if end_map else len(lines)
    h3 = [i for i in heads[start + 1:end] if tokens[i].tag == "h3"]
    if h3:
        return intro, _heading_steps(tokens, h3, last, lines, stop_line), has_h1
    section = tokens[first + 3:last]  # skip heading_open, inline, heading_close
    for i, t in enumerate(section):
        if t.type == "ordered_list_open" and t.level == 0:
            return intro, _list_steps(section, i, lines), has_h1
    return intro, [], has_h1


def _heading_steps(tokens: list[Token], heads: list[int], last: int, lines: list[str],
                   stop_line: int) -> list[Step]:
    steps = []
    # the section's code blocks, found once; each step takes those before the next step
    code = [i for i in range(heads[0], last)
            if tokens[i].type == "fence" or tokens[i].type == "code_block"]
    at = 0
    for n, hi in enumerate(heads):
        nxt = heads[n + 1] if n + 1 < len(heads) else last
        head = tokens[hi]
        assert head.map is not None
        next_map = tokens[nxt].map if nxt < len(tokens) else None
        body_end = next_map[0] if next_map else stop_line
        body, body_line = _trim(lines[head.map[1]:body_end], head.map[1] + 1)
        mine = []
        while at < len(code) and code[at] < nxt:
            mine.append(tokens[code[at]])
            at += 1
        steps.append(Step(
            number=n + 1, title=_heading_text(tokens, hi), line=head.map[0] + 1,
            body=body, code=_code(mine, 0, len(mine)), body_line=body_line,
        ))
    return steps


def _list_steps(section: list[Token], start: int, lines: list[str]) -> list[Step]:
    steps: list[Step] = []
    item_start = None
    for i in range(start + 1, len(section)):
        tok = section[i]
        if tok.type == "ordered_list_close" and tok.level == 0:
            break
        if tok.type == "list_item_open" and tok.level == 1:
            item_start = i
        elif tok.type == "list_item_close" and tok.level == 1 and item_start is not None:
            steps.append(_item_step(section[item_start:i + 1], len(steps) + 1, lines))
            item_start = None
    return steps


def _item_step(item: list[Token], number: int, lines: list[str]) -> Step:
    """A numbered-list step: its title is the bold lead (or first sentence) of its first
    paragraph, rendered plain; the rest of that paragraph opens the body."""
    head = item[0]
    assert head.map is not None
    first, last = head.map
    src = lines[first:last]
    marker = (head.info or "") + (head.markup or ".")
    first_line = src[0].lstrip()
    if first_line.startswith(marker):
        first_line = first_line[len(marker):].strip()
    para = next((t for t in item[1:4] if t.type == "inline"), None)
    para_end = next((t.map[1] for t in item[1:4] if t.type == "paragraph_open" and t.map),
                    first + 1)
    if para is not None and para_end > first:
        title, rest_of_para = lead(para.content)
        below = textwrap.dedent("\n".join(src[para_end - first:])).split("\n")
        para_lines = [ln.strip() for ln in rest_of_para.split("\n")] if rest_of_para else []
        gap = [""] if para_lines and below and below[0].strip() else []
        rest, body_line = _trim([*para_lines, *gap, *below],
                                first + 1 if para_lines else para_end + 1)
    else:
        title = first_line
        rest, body_line = _trim(textwrap.dedent("\n".join(src[1:])).split("\n"), first + 2)
    return Step(number=number, title=plain(title), line=first + 1, body=rest,
                code=_code(item, 1, len(item)), body_line=body_line,
                shallow=_shallow(item, lines))


def _shallow(item: list[Token], lines: list[str]) -> int:
    """The file line of the item's first block the site's Markdown (Python-Markdown)
    would not keep in the item, though CommonMark does: one indented under four spaces
    (a fence or paragraph only after a blank line — right under a line they stay; a
    fence: any of its lines), or a fence opened on the marker's own line (shown as
    inline code).  0: none."""
    head = item[0]
    assert head.map is not None
    children = [t for t in item[1:] if t.level == head.level + 1 and t.map
                and (t.nesting == 1 or t.type in ("fence", "code_block", "html_block", "hr"))]
    if children and children[0].type == "fence" and children[0].map \
            and children[0].map[0] == head.map[0]:
        return head.map[0] + 1
    for tok in children[1:]:
        assert tok.map is not None
        first, last = tok.map
        if tok.type in ("fence", "paragraph_open") and lines[first - 1].strip():
            continue  # right after the line above: the site keeps it with that line
        shown = range(first, last) if tok.type == "fence" else range(first, first + 1)
        for n in shown:
            line = lines[n].expandtabs(4)
            if line.strip() and len(line) - len(line.lstrip(" ")) < 4:
                return n + 1
    return 0


def _trim(body: list[str], first_line: int) -> tuple[str, int]:
    """Drop blank lines around a body, keeping the file line of what remains."""
    start = 0
    while start < len(body) and not body[start].strip():
        start += 1
    end = len(body)
    while end > start and not body[end - 1].strip():
        end -= 1
    return "\n".join(body[start:end]), first_line + start


def _code(tokens: list[Token], start: int, stop: int) -> tuple[CodeBlock, ...]:
    out = []
    for i in range(start, stop):
        tok = tokens[i]
        if (tok.type == "fence" or tok.type == "code_block") and tok.map:
            info = tok.info.strip() if tok.type == "fence" else ""
            lang = info.split()[0].lower() if info else ""
            out.append(CodeBlock(lang=lang, info=info, source=tok.content, line=tok.map[0] + 1))
    return tuple(out)
