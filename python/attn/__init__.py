"""attn: compile attention specs at run time and launch them on torch tensors.

A thin ctypes layer over the C ABI (libattn.so, runtime/include/attn/attn.h); importing it
compiles nothing and needs neither torch nor a GPU. The library is found through $ATTN_LIBRARY,
then next to this package, then in the release bundle's lib/.

    import attn, torch
    kernel = attn.compile("examples/causal.attn")     # a path, or the spec's text
    out = kernel(q, k, v)                              # q [B, Sq, Hq, D], k/v [B, Skv, Hkv, D]
    out, lse = kernel_with_lse(q, k, v)                # when the spec declares lse

CUDA tensors run on the current torch stream of their device; CPU tensors run the host build of
the same kernel (compiled with $CXX, else c++). Every error raises attn.Error with the runtime's
message: compile errors as `<spec>:line:col: error: ...`, launch errors naming the argument.
"""

import ctypes
import os
import struct

__all__ = ["Error", "Kernel", "compile", "library_path"]

MAX_RANK = 4
HOST = -1

# attn_dtype codes, by the name torch gives each dtype (str(torch.bfloat16) == "torch.bfloat16").
_DTYPES = {"float32": 0, "float16": 1, "bfloat16": 2, "float8_e4m3fn": 3, "float8_e5m2": 4,
           "int32": 5}
_DTYPE_NAMES = {code: name for name, code in _DTYPES.items()}


class Error(RuntimeError):
    """A compile or launch error; the message is the runtime's text."""


# attn_tensor, attn_param and attn_launch (attn.h) in native layout. A launch packs its struct,
# and after it the optional tensors it points to, into one buffer with struct (a ctypes
# Structure per tensor cost more than the rest of a call).
_TENSOR_FIELDS = "P3i%dq%dq" % (MAX_RANK, MAX_RANK)  # data, dtype, device, rank, shape, stride
_Tensor = struct.Struct("@" + _TENSOR_FIELDS)
_Param = struct.Struct("@P" + _TENSOR_FIELDS)  # name, tensor
_OPTIONAL = ("lse", "q_scale", "k_scale", "v_scale", "out_scale", "cu_seqlens_q",
             "cu_seqlens_kv", "seqlens_kv", "block_table")
# q, k, v, out; the optional tensors' pointers; params, num_params; max_seqlen_q/kv;
# skip_metadata_check, num_splits; workspace, workspace_bytes; overlap_previous (then the
# struct's tail padding, so that the tensors packed after it are aligned).
_Launch = struct.Struct("@" + _TENSOR_FIELDS * 4 + "%dP" % len(_OPTIONAL) + "Pi" + "qq" + "ii" +
                        "Pqi0q")


class _Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int32) for name in (
        "q_dtype", "k_dtype", "v_dtype", "out_dtype", "head_dim_qk", "head_dim_v", "lse",
        "ragged", "page_size", "gqa", "num_params")]


_lib = None


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    env = os.environ.get("ATTN_LIBRARY")
    if env:
        yield env
    yield os.path.join(here, "libattn.so")
    yield os.path.join(here, "..", "..", "lib", "libattn.so")  # bundle: python/attn -> lib/


def library_path():
    """The libattn.so this module uses (loading it on first use)."""
    return _library()._name


def _library():
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if not os.path.exists(path):
            tried.append(f"{path}: not found")
            continue
        try:
            lib = ctypes.CDLL(os.path.abspath(path))
        except OSError as e:
            tried.append(f"{path}: {e}")
            continue
        kernel_p = ctypes.c_void_p
        for name, args, res in [
                ("attn_compile", [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(kernel_p)],
                 ctypes.c_int),
                ("attn_compile_file", [ctypes.c_char_p, ctypes.c_char_p,
                                       ctypes.POINTER(kernel_p)], ctypes.c_int),
                ("attn_compile_config", [ctypes.c_char_p, ctypes.c_char_p,
                                         ctypes.POINTER(kernel_p)], ctypes.c_int),
                ("attn_launch", [kernel_p, ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int),
                ("attn_workspace_size", [kernel_p, ctypes.c_void_p, ctypes.c_void_p,
                                         ctypes.POINTER(ctypes.c_int64)], ctypes.c_int),
                ("attn_kernel_source", [kernel_p], ctypes.c_char_p),
                ("attn_kernel_name", [kernel_p], ctypes.c_char_p),
                ("attn_kernel_get_info", [kernel_p, ctypes.POINTER(_Info)], ctypes.c_int),
                ("attn_last_error", [], ctypes.c_char_p),
                ("attn_kernel_free", [kernel_p], None)]:
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = args, res
        _lib = lib
        return lib
    raise Error("cannot find libattn.so; set ATTN_LIBRARY to its path. Tried:\n  " +
                "\n  ".join(tried))


def _check(status):
    if status != 0:
        raise Error(_library().attn_last_error().decode(errors="replace"))


_codes = {}  # by dtype object: a launch looks its tensors' codes up without formatting names


def _dtype_code(t, name):
    code = _codes.get(t.dtype)
    if code is None:
        dtype = str(t.dtype).replace("torch.", "")
        if dtype not in _DTYPES:
            raise Error(f"{name}: dtype {dtype} is not one attn takes ({', '.join(_DTYPES)})")
        code = _codes[t.dtype] = _DTYPES[dtype]
    return code


def _device(t):
    d = t.device
    return d.index if d.type == "cuda" else HOST


_PAD = [(0,) * n for n in range(MAX_RANK + 1)]


def _tensor(t, name):
    """A torch (or torch-like: data_ptr, shape, stride, dtype, device) tensor's attn_tensor
    fields, in _Tensor's order."""
    shape = tuple(t.shape)
    if len(shape) > MAX_RANK:
        raise Error(f"{name}: {len(shape)} dimensions; a tensor has at most {MAX_RANK}")
    pad = _PAD[MAX_RANK - len(shape)]
    return (t.data_ptr() or 0, _dtype_code(t, name), _device(t), len(shape), *shape, *pad,
            *t.stride(), *pad)


class Kernel:
    """A compiled spec. Call it on tensors to launch it; thread-safe."""

    def __init__(self, handle):
        self._handle = handle
        info = _Info()
        _check(_library().attn_kernel_get_info(handle, ctypes.byref(info)))
        self.info = info

    def __del__(self):
        if getattr(self, "_handle", None) and _lib is not None:
            _lib.attn_kernel_free(self._handle)
            self._handle = None

    @property
    def name(self):
        """The kernel's entry point."""
        return _library().attn_kernel_name(self._handle).decode()

    @property
    def source(self):
        """The generated CUDA C++ (also what the host build compiles)."""
        return _library().attn_kernel_source(self._handle).decode()

    @property
    def has_lse(self):
        return bool(self.info.lse)

    def __call__(self, q, k, v, out=None, **kwargs):
        """Launches on q, k, v (layouts as in attn.h). Allocates out (and lse, when the spec
        declares it) if not given; returns out, or (out, lse). CUDA launches are asynchronous
        on torch.cuda.current_stream(). Keyword arguments: lse, q_scale, k_scale, v_scale,
        out_scale, cu_seqlens_q, cu_seqlens_kv, seqlens_kv, block_table (tensors, as the spec
        asks); check_metadata=False (with max_seqlen_q/kv for ragged or paged batches) skips
        reading cu_seqlens/seqlens_kv/block_table back to check them. num_splits cuts each
        query tile's keys into that many parts (split KV, merged after); 0 lets the launch
        choose (it splits when the grid would leave most SMs idle). workspace: a CUDA tensor of
        at least workspace_bytes(...) bytes for a split launch's partials (else each launch
        allocates its own). overlap_previous: the launch may start while the kernel before it
        on the stream runs, which must not write the metadata or params (attn.h's
        attn_launch.overlap_previous). Any other keyword is a param of the spec."""
        buf, stream, out, lse = self._pack(q, k, v, out, **kwargs)
        _check(_library().attn_launch(self._handle, ctypes.addressof(buf), stream))
        return (out, lse) if self.info.lse else out

    def workspace_bytes(self, q, k, v, out=None, **kwargs):
        """The bytes of `workspace` a call with these arguments needs; 0 when it does not
        split. Validates them as the call would, launching nothing."""
        buf, stream, _, _ = self._pack(q, k, v, out, **kwargs)
        n = ctypes.c_int64()
        _check(_library().attn_workspace_size(self._handle, ctypes.addressof(buf), stream,
                                              ctypes.byref(n)))
        return n.value

    def _pack(self, q, k, v, out=None, *, lse=None, q_scale=None, k_scale=None, v_scale=None,
              out_scale=None, cu_seqlens_q=None, cu_seqlens_kv=None, seqlens_kv=None,
              block_table=None, max_seqlen_q=None, max_seqlen_kv=None, check_metadata=True,
              num_splits=0, workspace=None, overlap_previous=False, **params):
        """A call's attn_launch in one buffer, the stream it goes on, and its out and lse
        (allocated when not given)."""
        if out is None or (self.info.lse and lse is None):
            import torch
            rows = tuple(q.shape[:-1])
            if out is None:
                dtype = getattr(torch, _DTYPE_NAMES[self.info.out_dtype])
                out = torch.empty(rows + (self.info.head_dim_v,), dtype=dtype, device=q.device)
            if self.info.lse and lse is None:
                lse = torch.empty(rows, dtype=torch.float32, device=q.device)
        # One buffer: the launch, then its optional tensors, then its params (and their names).
        # The tensors are read in argument order (the first bad one is the error).
        head = (*_tensor(q, "q"), *_tensor(k, "k"), *_tensor(v, "v"), *_tensor(out, "out"))
        names = [name.encode() for name in params]
        size = _Launch.size + len(_OPTIONAL) * _Tensor.size + len(params) * _Param.size
        buf = ctypes.create_string_buffer(size + sum(len(n) + 1 for n in names))
        base = ctypes.addressof(buf)
        pointers, at = [], _Launch.size
        for field, t in zip(_OPTIONAL, (lse, q_scale, k_scale, v_scale, out_scale, cu_seqlens_q,
                                        cu_seqlens_kv, seqlens_kv, block_table)):
            if t is None:
                pointers.append(0)
            else:
                _Tensor.pack_into(buf, at, *_tensor(t, field))
                pointers.append(base + at)
            at += _Tensor.size
        first_param, text = (base + at if params else 0), size
        for name, (key, t) in zip(names, params.items()):
            buf[text:text + len(name)] = name  # NUL-terminated: the buffer starts zeroed
            _Param.pack_into(buf, at, base + text, *_tensor(t, f"param '{key}'"))
            at, text = at + _Param.size, text + len(name) + 1
        space = (0, 0) if workspace is None else (
            workspace.data_ptr(), workspace.numel() * workspace.element_size())
        _Launch.pack_into(buf, 0, *head, *pointers, first_param, len(params), max_seqlen_q or 0,
                          max_seqlen_kv or 0, 0 if check_metadata else 1, num_splits, *space,
                          1 if overlap_previous else 0)
        stream = None
        if _device(q) != HOST:
            import torch
            stream = torch.cuda.current_stream(q.device).cuda_stream
        return buf, stream, out, lse


def compile(spec, arch=None, **config):
    """Compiles a spec, given as its text or as the path of a .attn file, for `arch` ("sm_90a";
    None: GPU 0's when there is one). The GPU or host build is made on the first call.
    `config` overrides the code generator's choices, as attn_compile_config's keys:
    compile(spec, block_m=64, mma="mma.sync", pingpong="off")."""
    handle = ctypes.c_void_p()
    a = arch.encode() if arch else None
    lib = _library()
    if config:
        if "{" not in spec:
            with open(spec) as f:
                spec = f.read()
        text = ",".join(f"{k}={v}" for k, v in ([("arch", arch)] if arch else []) + list(config.items()))
        _check(lib.attn_compile_config(spec.encode(), text.encode(), ctypes.byref(handle)))
    elif "{" not in spec:  # every spec has a body in braces: this is a path
        _check(lib.attn_compile_file(os.fsencode(spec), a, ctypes.byref(handle)))
    else:
        _check(lib.attn_compile(spec.encode(), a, ctypes.byref(handle)))
    return Kernel(handle)
