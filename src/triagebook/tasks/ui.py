"""Terminal front ends for the session: plain lines for pipes, rich for a terminal."""

from __future__ import annotations

import getpass
import sys
from typing import TextIO


class PlainUI:
    """One action per input line; end of input is quit.  Nothing is prompted for context."""

    interactive = False

    def __init__(self, inp: TextIO | None = None, out: TextIO | None = None) -> None:
        self.inp = inp or sys.stdin
        self.out = out or sys.stdout

    def ask(self, prompt: str) -> str | None:
        self.out.write(prompt)
        self.out.flush()
        line = self.inp.readline()
        if not line:
            self.out.write("\n")
            return None
        return line.rstrip("\n")

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def step(self, header: str, body: str) -> None:
        self.out.write(f"\n== {header} ==\n\n{body}\n\n")
        self.out.flush()

    def output(self, line: str) -> None:
        self.out.write(f"  | {line}\n")
        self.out.flush()

    def secret(self, prompt: str) -> str | None:  # never used without a terminal
        return None


class RichUI(PlainUI):
    """A terminal: Markdown rendered, code highlighted, secrets read hidden."""

    interactive = True

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console

        self.console = Console(highlight=False)

    def ask(self, prompt: str) -> str | None:
        from rich.markup import escape

        try:  # escaped: '[y/N]' would otherwise be read as a markup tag and vanish
            return self.console.input(f"[bold cyan]{escape(prompt)}[/]")
        except EOFError:
            return None

    def say(self, text: str) -> None:
        self.console.print(text, markup=False)

    def step(self, header: str, body: str) -> None:
        from rich.markdown import Markdown
        from rich.rule import Rule

        self.console.print()
        self.console.print(Rule(header, style="bold"))
        self.console.print(Markdown(body, code_theme="monokai"))
        self.console.print()

    def output(self, line: str) -> None:
        from rich.markup import escape

        # escaped: a command printing "[/]" would be a MarkupError, "[bold]" a style
        self.console.print(f"[dim]│[/] {escape(line)}", markup=True, highlight=False,
                           soft_wrap=True)

    def secret(self, prompt: str) -> str | None:
        try:
            return getpass.getpass(prompt)
        except EOFError:
            return None
