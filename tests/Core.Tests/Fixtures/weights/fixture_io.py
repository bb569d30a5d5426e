"""Writers shared by the weight-import fixture generators of this folder (no safetensors package needed)."""
import json
import pickle
import struct

import torch


def save_safetensors(path, tensors):
    """Writes {name: tensor} (float32 / int64) in the safetensors layout the C# reader expects."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


class Python2Pickler(pickle._Pickler):
    """Protocol 2 as Python 2's cPickle wrote it (the MSRA / Detectron .pkl files): every `str` and `bytes`
    becomes a byte string (SHORT_BINSTRING / BINSTRING opcodes) instead of Python 3's BINUNICODE and
    `_codecs.encode(..., 'latin1')` calls. numpy's own __reduce__ output is left as it is (the
    numpy.core.multiarray._reconstruct + BUILD sequence and numpy.dtype('f4', False, True) + BUILD)."""

    def __init__(self, file):
        super().__init__(file, protocol=2)

    def _save_binstring(self, data):
        n = len(data)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + data)

    def save_str(self, obj):
        self._save_binstring(obj.encode("latin1"))
        self.memoize(obj)

    def save_bytes(self, obj):
        self._save_binstring(obj)
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[str] = save_str
    dispatch[bytes] = save_bytes
