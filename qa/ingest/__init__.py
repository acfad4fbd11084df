"""Ingestion: files in, passages with exact spans and embeddings out, into the store.

- `files`: which files a path names, their display names and ids;
- `readers`: file bytes to stored text (.txt, .md, .html, .pdf, optional formats);
- `clean`: scrape noise found without rewriting the text;
- `passages`: passages and their deterministic ids;
- `ingestor`: the ingest itself, with its report;
- `uploads`: uploaded files' safe names and what a re-index reads.
"""

from qa.ingest.ingestor import IngestReport, Ingestor, Progress

__all__ = ["IngestReport", "Ingestor", "Progress"]
