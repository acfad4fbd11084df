"""The embedding model on onnxruntime gives the vectors sentence-transformers gives, and recovers from a bad file."""

import json
import logging

import numpy as np
import pytest

from qa import embed_onnx
from qa.embed import Embedder

pytestmark = pytest.mark.integration

TEXTS = [
    "Kurdish forces said they had pushed Islamic State fighters out of the town.",
    "Profits rose 7% to £1.2bn.",
    "“Get out now,” police told residents, as the river burst its banks overnight and "
    "hundreds of homes in the valley were flooded for the second time in a month.",
    "x",
    " ".join(["word"] * 400),  # longer than the model's 256 tokens: truncated the same way
]


@pytest.fixture(scope="module")
def torch_vectors():
    return Embedder(backend="torch").encode(TEXTS)


def test_onnx_vectors_match_sentence_transformers(tmp_path, torch_vectors):
    embedder = Embedder(batch_size=2, model_dir=tmp_path)
    vectors = embedder.encode(TEXTS)
    assert embedder.backend == "onnx"
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = (vectors * torch_vectors).sum(axis=1)
    assert cosines.min() > 0.9999, cosines
    # Order is kept although texts are batched by length.
    assert np.allclose(embedder.encode(TEXTS[::-1]), vectors[::-1], atol=1e-5)


def test_export_records_checksums_and_redoes_a_damaged_file(tmp_path):
    path = embed_onnx.export(tmp_path)
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["onnx_sha256"] == embed_onnx.sha256_of(path)
    stamp = path.stat().st_mtime_ns
    assert embed_onnx.export(tmp_path) == path and path.stat().st_mtime_ns == stamp  # verified, kept

    path.write_bytes(path.read_bytes()[:1000])  # truncated by a crash or a full disk
    embed_onnx.export(tmp_path)
    assert embed_onnx.sha256_of(path) == record["onnx_sha256"] or embed_onnx._is_current(path)
    assert Embedder(model_dir=tmp_path).encode(["still works"]).shape == (1, 384)


def test_unwritable_model_folder_falls_back_to_torch_with_a_warning(tmp_path, caplog, torch_vectors):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    embedder = Embedder(model_dir=blocked)
    with caplog.at_level(logging.WARNING, logger="qa.embed"):
        vectors = embedder.encode(TEXTS[:2])
    assert embedder.backend == "torch"
    assert "QA_EMBEDDING_BACKEND" in caplog.text and "not-a-folder" in caplog.text
    assert np.allclose(vectors, torch_vectors[:2], atol=1e-5)
