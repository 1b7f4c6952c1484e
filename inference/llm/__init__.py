"""The local LLM layer: a llama.cpp backend that streams parallel, grammar-constrained branches.

`inference.llm.backend.LlamaBackend` is the only module that imports llama_cpp (lazily, on
load); `inference.llm.types` holds the plain data that crosses this package's boundary.
"""

from inference.llm.types import (
    BackendStats,
    Branch,
    BranchDelta,
    ChatMessage,
    LlmBackend,
    LlmConfig,
    ModelInfo,
    Segment,
    default_threads,
)

__all__ = [
    "BackendStats",
    "Branch",
    "BranchDelta",
    "ChatMessage",
    "LlmBackend",
    "LlmConfig",
    "ModelInfo",
    "Segment",
    "default_threads",
]
