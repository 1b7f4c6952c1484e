"""Render chat messages in a model's own format, from the template stored in its GGUF file.

Any chat GGUF carries its Jinja chat template under the `tokenizer.chat_template` metadata key
(the Hugging Face convention); rendering it here is what lets a user import any chat model.
Models without a template get ChatML, the most common format.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from inference.llm.types import ChatMessage

TEMPLATE_KEY = "tokenizer.chat_template"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


class ChatTemplate:
    """A compiled chat template.

    Args:
        source: the Jinja template text (None: ChatML).
        bos_token: text of the model's begin-of-sequence token, which templates may print.
        eos_token: text of its end-of-sequence token.
    """

    def __init__(self, source: str | None, *, bos_token: str = "", eos_token: str = "") -> None:
        import jinja2
        import jinja2.ext
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        self.source = source or CHATML_TEMPLATE
        self.from_model = bool(source)
        self.bos_token = bos_token
        self.eos_token = eos_token
        env = ImmutableSandboxedEnvironment(
            loader=jinja2.BaseLoader(),
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=[jinja2.ext.loopcontrols],
        )
        env.filters["tojson"] = _tojson
        self._template = env.from_string(self.source)

    def render(self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True) -> str:
        """The prompt text for `messages`.

        Templates that refuse a system message (some raise on it) get its text folded into the
        first user message instead.
        """
        plain = [{"role": m.role, "content": m.content} for m in messages]
        try:
            return self._render(plain, add_generation_prompt)
        except Exception:
            if not plain or plain[0]["role"] != "system" or len(plain) < 2:
                raise
        folded = [dict(m) for m in plain[1:]]
        folded[0]["content"] = plain[0]["content"] + "\n\n" + folded[0]["content"]
        return self._render(folded, add_generation_prompt)

    def _render(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        def raise_exception(message: str) -> None:
            raise ValueError(message)

        return self._template.render(
            messages=messages,
            bos_token=self.bos_token,
            eos_token=self.eos_token,
            add_generation_prompt=add_generation_prompt,
            raise_exception=raise_exception,
            strftime_now=lambda fmt: datetime.now().strftime(fmt),
            tools=None,
        )


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: tuple[str, str] | None = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )
