"""The LLM second opinion: a grammar over the ten labels, and how it combines with the lexicon.

The backend here is a stand-in: the test is about the code around the model (prompt, grammar,
parsing, combination); `scripts/second_opinion_bench.py` measures the real model.
"""

from __future__ import annotations

from inference.detectors.second_opinion import LABELS, SecondOpinion, combine


class _Backend:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.grammar = ""
        self.prompt = ""

    def render_chat(self, messages, add_generation_prompt=True):
        return "\n".join(f"<{m.role}>{m.content}" for m in messages)

    def stream(self, prompt, *, grammar=None, max_tokens=60):
        self.prompt, self.grammar = prompt, grammar or ""
        yield self.answer


def test_the_grammar_allows_exactly_the_ten_labels_and_none_means_no_objection() -> None:
    backend = _Backend("none")
    assert SecondOpinion(backend).choose("We bake bread.").category is None
    assert backend.grammar.count("|") == len(LABELS) - 1
    assert all(f'"{label}"' in backend.grammar for label in LABELS)
    assert "Customer: We bake bread." in backend.prompt


def test_context_lines_go_into_the_prompt_and_a_label_is_returned() -> None:
    backend = _Backend("trust")
    got = SecondOpinion(backend).choose("And when it breaks?", ["We had a bad vendor once."])
    assert got.category == "trust" and got.seconds >= 0
    assert "We had a bad vendor once." in backend.prompt


def test_combined_keeps_a_sure_lexicon_and_asks_the_llm_otherwise() -> None:
    assert combine("price", 0.9, "budget", threshold=0.65) == "price"
    assert combine("price", 0.5, "budget", threshold=0.65) == "budget"
    assert combine(None, 0.4, None, threshold=0.65) is None
