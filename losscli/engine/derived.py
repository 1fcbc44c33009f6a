"""The values a result derives from its loss (reported beside it, bounded by ``--max``/``--min``)."""

from __future__ import annotations

#: name → what it is; a cross-entropy reports its perplexity, and with word or byte counts
#: lm-evaluation-harness's word/byte perplexity and bits per byte (see :mod:`losscli.engine.text_counts`)
METRICS = {
    "perplexity": "a cross-entropy's perplexity (exp of the mean NLL)",
    "word_perplexity": "exp(Σ NLL / Σ words): needs --words-col or --words",
    "byte_perplexity": "exp(Σ NLL / Σ bytes): needs --bytes-col or --bytes",
    "bits_per_byte": "Σ NLL / (Σ bytes · ln 2): needs --bytes-col or --bytes",
}
