"""Terminal front ends for the session: plain lines for pipes, rich for a terminal.

Everything shown comes from a runbook, an incident or a command, so it is data: never
read as rich markup (`[/]` in output, `[done]` in a header), and already neutralised
by the core (control characters written out).  Commands and the resume hint are
printed as whole lines — the terminal wraps them, nothing breaks or cuts them — so
what you copy is what runs.
"""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from triagebook.runner.header import Header


class PlainUI:
    """One action per input line; end of input is quit.  Nothing is prompted for context."""

    interactive = False

    def __init__(self, inp: TextIO | None = None, out: TextIO | None = None) -> None:
        self.inp = inp or sys.stdin
        self.out = out or sys.stdout

    def ask(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        try:
            line = self.inp.readline()
        except KeyboardInterrupt:
            self.out.write("\n")
            raise
        if not line:
            self.out.write("\n")
            return None
        return line.rstrip("\n")

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def step(self, header: Header, body: str) -> None:
        self.out.write(f"\n== {header.text()} ==\n\n{body}\n\n")
        self.out.flush()

    def output(self, line: str) -> None:
        self.out.write(f"  | {line}\n")
        self.out.flush()

    def command(self, text: str) -> None:
        self.say(text)

    def secret(self, prompt: str) -> str | None:  # never used without a terminal
        return None


class RichUI(PlainUI):
    """A terminal: Markdown rendered, code highlighted, secrets read hidden."""

    interactive = True

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console

        # markup and emoji off for good: no string printed here is ever interpreted
        self.console = Console(highlight=False, markup=False, emoji=False)

    def ask(self, prompt: str) -> str | None:
        from rich.text import Text

        # Rendered first and written in one go: a Ctrl-C cannot leave half of it in
        # rich's buffer to be printed again later.
        with self.console.capture() as cap:
            self.console.print(Text(prompt, style="bold cyan"), end="")
        try:
            self.console.file.write(cap.get())
            self.console.file.flush()
            return input()
        except EOFError:
            return None
        except KeyboardInterrupt:
            self.console.file.write("\n")
            raise

    def say(self, text: str) -> None:
        from rich.text import Text

        self.console.print(Text(text))

    def step(self, header: Header, body: str) -> None:
        from rich.markdown import Markdown
        from rich.rule import Rule
        from rich.syntax import Syntax
        from rich.text import Text

        self.console.print()
        line = header.text(self.console.width - 4)
        self.console.print(Rule(Text(line, style="bold")))
        if header.title not in line:  # shortened to fit: here whole, wrapped at words
            self.console.print(Text(header.title, style="bold"))
        for kind, text, lang in split_code(body):
            if kind == "code":  # whole lines, soft-wrapped by the terminal: copy-safe
                code = Syntax(text, lang or "text", theme="monokai").highlight(text)
                code.rstrip()
                self.console.print(code, soft_wrap=True)
            elif text.strip():
                self.console.print(Markdown(text, code_theme="monokai"))
        self.console.print()

    def output(self, line: str) -> None:
        from rich.text import Text

        self.console.print(Text.assemble(("│ ", "dim"), line), soft_wrap=True)

    def command(self, text: str) -> None:
        from rich.text import Text

        self.console.print(Text(text, style="bold"), soft_wrap=True)

    def secret(self, prompt: str) -> str | None:
        try:
            return getpass.getpass(prompt)
        except EOFError:
            return None


def split_code(markdown: str) -> list[tuple[str, str, str]]:
    """The body as ("text", markdown, "") and ("code", source, lang) pieces, in order."""
    from markdown_it import MarkdownIt

    lines = markdown.split("\n")
    pieces: list[tuple[str, str, str]] = []
    at = 0
    for tok in MarkdownIt("commonmark").disable("inline").parse(markdown):
        if tok.type not in ("fence", "code_block") or tok.map is None or tok.level:
            continue
        start, end = tok.map
        pieces.append(("text", "\n".join(lines[at:start]), ""))
        pieces.append(("code", tok.content, tok.info.split()[0] if tok.info.split() else ""))
        at = end
    pieces.append(("text", "\n".join(lines[at:]), ""))
    return pieces
