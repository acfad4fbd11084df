"""The packaged all-MiniLM-L6-v2 run by onnxruntime: same vectors, about 2-3x faster on CPU.

The ONNX file is exported from the packaged, checksum-verified weights with
torch's own exporter (at `qa setup-model`, or on first use), never downloaded.
A small JSON file beside it records the checksums of the weights it came from
and of the file itself; a file that does not match is exported again.

Written here rather than through sentence-transformers' `backend="onnx"`: that
backend needs optimum-onnx, which pins transformers below the version this
project uses, and the OpenVINO backend pulls a CUDA build of torch. Tokenizing
(the model's own tokenizer.json), mean pooling and normalising follow the
model's sentence-transformers configuration (modules.json: Transformer,
Pooling with mean, Normalize; max_seq_length 256).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import numpy as np

from qa.models import EMBEDDING_SHA256, embedding_model_dir, sha256_of

log = logging.getLogger(__name__)

ONNX_FILE = "all-MiniLM-L6-v2.onnx"
_MAX_TOKENS = 256
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _record_of(onnx_path: Path) -> Path:
    return onnx_path.with_suffix(".json")


def _is_current(onnx_path: Path) -> bool:
    try:
        record = json.loads(_record_of(onnx_path).read_text())
    except (OSError, ValueError):
        return False
    return (
        record.get("weights_sha256") == EMBEDDING_SHA256["model.safetensors"]
        and onnx_path.is_file()
        and record.get("onnx_sha256") == sha256_of(onnx_path)
    )


def export(model_dir: Path) -> Path:
    """The ONNX file in `model_dir`, exported from the packaged weights unless a verified one is there."""
    onnx_path = Path(model_dir) / ONNX_FILE
    if _is_current(onnx_path):
        return onnx_path
    import torch
    from transformers import AutoModel

    source = embedding_model_dir()
    bert = AutoModel.from_pretrained(str(source)).eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    example = {name: torch.ones((2, 8), dtype=torch.long) for name in _INPUTS}
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    partial = onnx_path.with_name(f"{onnx_path.name}.{os.getpid()}.partial")
    log.info("Exporting the embedding model to ONNX: %s", onnx_path)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's tracing notes say nothing a user can act on
        torch.onnx.export(
            _LastHiddenState(bert),
            tuple(example[name] for name in _INPUTS),
            str(partial),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")},
            opset_version=17,
            dynamo=False,
        )
    os.replace(partial, onnx_path)  # atomic: a concurrent reader sees the old file or the new one
    record = {
        "weights_sha256": EMBEDDING_SHA256["model.safetensors"],
        "onnx_sha256": sha256_of(onnx_path),
        "torch": torch.__version__,
    }
    _record_of(onnx_path).write_text(json.dumps(record, indent=1) + "\n")
    return onnx_path


class OnnxMiniLM:
    """Encodes texts with the exported model; thread-safe (onnxruntime sessions are)."""

    def __init__(self, onnx_path: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(embedding_model_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        """L2-normalised mean-pooled vectors, one row per text, in order."""
        return self.encode_with_spans(texts, [[] for _ in texts], batch_size)[0]

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Each text's vector and, from the same pass, a vector for each of its character spans.

        A span's vector is the mean of the text's token vectors inside it
        ("late chunking"): a sentence read in its passage, so "They crossed
        at night" carries who "they" are, at no extra cost. A span past the
        model's 256-token window gets None. Texts are batched by length so
        little time goes on padding.
        """
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        span_vectors: list[list[np.ndarray | None]] = [[] for _ in texts]
        for at in range(0, len(order), batch_size):
            rows = order[at : at + batch_size]
            width = len(encodings[rows[0]].ids)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in _INPUTS}
            for r, i in enumerate(rows):
                enc = encodings[i]
                n = len(enc.ids)
                feed["input_ids"][r, :n] = enc.ids
                feed["attention_mask"][r, :n] = enc.attention_mask
                feed["token_type_ids"][r, :n] = enc.type_ids
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out[rows] = _normalised(pooled)
            for r, i in enumerate(rows):
                if spans[i]:
                    span_vectors[i] = _pooled_spans(hidden[r], encodings[i], spans[i])
        return out, span_vectors


def _normalised(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-12)


def _pooled_spans(hidden: np.ndarray, encoding, spans: list[tuple[int, int]]) -> list[np.ndarray | None]:
    """Mean of the token vectors whose characters lie inside each span, normalised; None for a span with none."""
    offsets = np.asarray(encoding.offsets).reshape(-1, 2)
    real = ~np.asarray(encoding.special_tokens_mask, dtype=bool) & (offsets[:, 1] > offsets[:, 0])
    tokens = hidden[: len(offsets)]
    found: list[np.ndarray | None] = []
    for start, end in spans:
        inside = real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
        found.append(_normalised(tokens[inside].mean(axis=0)) if inside.any() else None)
    return found
