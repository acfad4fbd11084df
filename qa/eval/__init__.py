"""The citation-checking harness behind `qa eval`.

- `questions`: load and validate a JSONL question file;
- `metrics`: pure scoring functions (answers, abstention, ALCE citation
  recall/precision, evidence and retrieval recall, exactness, latency);
- `support`: the labelled claim/evidence pairs that validate a support checker;
- `baseline`: LlamaIndex's CitationQueryEngine over the same passages and model;
- `report`: JSON, Markdown and PNG charts;
- `run`: the command's orchestration.

Nothing here loads a model on import.
"""
