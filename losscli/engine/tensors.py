"""Torch tensors as NumPy arrays, for the API's inputs (torch is never imported: a tensor is known by its type's
module)."""

from __future__ import annotations

from typing import Any

from losscli.errors import UsageError


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
