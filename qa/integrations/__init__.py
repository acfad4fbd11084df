"""Adapters that let other frameworks use qa's parts; each imports its framework only when imported itself.

- `llama_index`: the retriever, the assistant and the LLMs as llama-index components.
"""
