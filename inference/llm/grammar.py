"""GBNF grammars that force the model's output into parseable JSON.

llama.cpp masks every token the grammar does not allow, so even a model that babbles produces
text of the right shape. String characters exclude quotes, backslashes and control characters:
a path never needs them, and it makes the closing `"}` unambiguous (a branch can stop there).
"""

from __future__ import annotations

import json

# One character of a JSON string, without escapes, quotes or control characters.
STRING_CHAR = r"""[^"\\\x00-\x1f]"""


def literal(text: str) -> str:
    """`text` as a GBNF string literal (GBNF escapes like JSON)."""
    return json.dumps(text, ensure_ascii=False)


def json_object_grammar(fields: tuple[str, ...], *, max_chars: int | None = None) -> str:
    """A grammar for a one-line JSON object of the given string fields, in that order.

    For example `json_object_grammar(("strategy", "text"))` matches
    `{"strategy": "...", "text": "..."}`. With `max_chars`, each value holds 1..max_chars
    characters, so the object is always complete within a bounded number of tokens.
    """
    if not fields:
        raise ValueError("a JSON object grammar needs at least one field")
    repeat = "+" if max_chars is None else f"{{1,{max(1, max_chars)}}}"
    members = ' ", " '.join(
        f'{literal(json.dumps(name, ensure_ascii=False))} ": " str' for name in fields
    )
    return "\n".join(
        (
            f'root ::= "{{" {members} "}}"',
            f'str ::= "\\"" {STRING_CHAR}{repeat} "\\""',
        )
    )


def choice_grammar(options: tuple[str, ...]) -> str:
    """A grammar for exactly one of `options` (for example entry numbers "1", "2", "3")."""
    if not options:
        raise ValueError("a choice grammar needs at least one option")
    return "root ::= " + " | ".join(literal(o) for o in options)


def string_tail_grammar(closing: str = "}") -> str:
    """The rest of a JSON string value that is already open, then `"` and `closing`.

    Used after a forced prefix such as `{"strategy": "ask_question", "text": "`.
    """
    return f'root ::= {STRING_CHAR}+ "\\"" {literal(closing)}'
