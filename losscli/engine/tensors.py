"""The Python API's inputs as plain arrays: torch tensors as NumPy arrays (torch is never imported: a tensor is
known by its type's module); what has no plain numbers (masked values, dates) refused."""

from __future__ import annotations

import sys
from typing import Any

from losscli.errors import InputError, UsageError


def from_torch(a: Any) -> Any:
    """A torch tensor as a NumPy array (detached from its graph, on the CPU, dense, its lazy negation or
    conjugation applied; bfloat16 and the float8 types, which NumPy lacks, as float32, exactly), a list or tuple of tensors as a
    list of arrays; anything else as it is."""
    if isinstance(a, (list, tuple)) and any((type(x).__module__ or "").startswith("torch") for x in a):
        return [from_torch(x) for x in a]
    if not (type(a).__module__ or "").startswith("torch") or not hasattr(a, "detach"):
        return a
    t = a.detach()
    if t.is_meta:
        raise UsageError("a tensor on the meta device holds no values", hint="pass a tensor that holds its data")
    t = t.cpu()
    if str(t.layout) != "torch.strided":  # sparse COO, CSR, ...
        t = t.to_dense()
    t = t.resolve_neg().resolve_conj()
    if str(t.dtype) == "torch.bfloat16" or str(t.dtype).startswith("torch.float8"):
        t = t.float()
    return t.numpy()


def refuse_unplain(a: Any, what: str) -> None:
    """A masked array with values under its mask (NumPy would hand over the values the mask hides), or dates
    and durations (their integers are nanoseconds or days, no loss's numbers): an input error.

    ``numpy.ma`` is not imported for the check (it costs 10 ms): a masked array exists only once it is. Another
    thread may be importing it (``np.unique`` imports it on first use): a module without ``MaskedArray`` yet
    made none."""
    ma = sys.modules.get("numpy.ma")
    masked = getattr(ma, "MaskedArray", None) if ma is not None else None
    if masked is not None and isinstance(a, masked) and ma.getmaskarray(a).any():
        raise InputError(f"{what} is a masked array with {int(ma.getmaskarray(a).sum())} masked values",
                         hint="drop the masked rows from every input: keep = ~np.ma.getmaskarray(a), then "
                              "evaluate(loss, y[keep], p[keep].data)")
    kind = getattr(getattr(a, "dtype", None), "kind", "")
    if kind in ("M", "m"):
        raise InputError(f"{what} holds {'dates' if kind == 'M' else 'durations'}, not numbers",
                         hint="convert them to the numbers the loss compares (e.g. days as floats) first")

