/* attn.h - The attn JIT runtime's C interface: compile a spec, launch it on the caller's buffers.
 *
 * Plain C (C99 and C++), for any language with a C FFI; Python's attn package is built on it.
 * Link with -lattn (libattn.so; the release bundle's carries MLIR/LLVM inside it).
 *
 *   attn_kernel *k;
 *   if (attn_compile(spec_text, NULL, &k) != ATTN_OK)
 *     fprintf(stderr, "%s\n", attn_last_error());   // file:line:col: error: ...
 *   struct attn_launch l = {0};                     // zero: no optional tensors
 *   l.q = ...; l.k = ...; l.v = ...; l.out = ...;   // attn_tensor: data, dtype, device, sizes
 *   if (attn_launch(k, &l, stream) != ATTN_OK)      // stream: a CUstream, or NULL
 *     fprintf(stderr, "%s\n", attn_last_error());   // names the argument and what was expected
 *   attn_kernel_free(k);
 *
 * Layouts (sizes and element strides; the head dim has unit stride):
 *   q, out   dense [B, Sq, Hq, D]          ragged [Tq, Hq, D] + cu_seqlens_q [B+1]
 *   k, v     dense [B, Skv, Hkv, D]        ragged [Tkv, Hkv, D] + cu_seqlens_kv [B+1]
 *            paged [blocks, P, Hkv, D] + seqlens_kv [B] + block_table [B, maxBlocks]
 *   lse      float32 [T, Hq] (dense also [B, Sq, Hq]), contiguous
 *   scales   float32, contiguous: per_tensor [1]; per_head [B, H]; per_token_head dense
 *            [B, S, H], ragged [T, H], paged [blocks, P, Hkv]
 *   params   as the spec declares them (S: at least the longest KV sequence)
 * Metadata (cu_seqlens, seqlens_kv, block_table) is int32. Every tensor of a launch is on one
 * device: CUDA tensors launch the GPU build on `cuda_stream`; host tensors (ATTN_DEVICE_HOST)
 * run the host build of the same kernel (compiled with $CXX, else c++) on a pool of threads.
 */
#ifndef ATTN_ATTN_H
#define ATTN_ATTN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ATTN_API __attribute__((visibility("default")))
#else
#define ATTN_API
#endif

/** What every fallible call returns; on ATTN_ERROR, attn_last_error() says why. */
typedef enum attn_status { ATTN_OK = 0, ATTN_ERROR = 1 } attn_status;

/** Element types (stable codes). */
typedef enum attn_dtype {
  ATTN_F32 = 0,
  ATTN_F16 = 1,
  ATTN_BF16 = 2,
  ATTN_F8E4M3 = 3,
  ATTN_F8E5M2 = 4,
  ATTN_I32 = 5
} attn_dtype;

/** The device of host memory; CUDA devices are their ordinals, 0 and up. */
#define ATTN_DEVICE_HOST (-1)
/** The most dimensions a tensor of a launch has. */
#define ATTN_MAX_RANK 4

/** One tensor: data, element type, device, and sizes and element strides per dimension. */
typedef struct attn_tensor {
  const void *data;
  int32_t dtype;  /**< an attn_dtype */
  int32_t device; /**< CUDA ordinal, or ATTN_DEVICE_HOST */
  int32_t rank;   /**< 0 to ATTN_MAX_RANK; shape and stride beyond it are ignored */
  int64_t shape[ATTN_MAX_RANK];
  int64_t stride[ATTN_MAX_RANK]; /**< in elements, not bytes */
} attn_tensor;

/** A param tensor, by the name the spec declares. */
typedef struct attn_param {
  const char *name;
  attn_tensor tensor;
} attn_param;

/** One launch. Zero-initialize it, then fill what the spec uses: NULL optional tensors are
 *  absent, and the launch's error says when one is missing or superfluous. */
struct attn_launch {
  attn_tensor q, k, v, out;
  const attn_tensor *lse; /**< when the spec asks for lse */
  const attn_tensor *q_scale, *k_scale, *v_scale, *out_scale; /**< for quantized tensors */
  const attn_tensor *cu_seqlens_q, *cu_seqlens_kv;            /**< ragged batch */
  const attn_tensor *seqlens_kv, *block_table;                /**< paged KV cache */
  const attn_param *params;
  int32_t num_params;
  /** Ragged/paged: the longest query and KV sequences; 0: read from the metadata. */
  int64_t max_seqlen_q, max_seqlen_kv;
  /** Nonzero: do not read device metadata back to check it (it must then be right, and the
   *  max_seqlen fields given), keeping the launch asynchronous. */
  int32_t skip_metadata_check;
  /** Split KV: the parts each query tile's keys are cut into, one CTA each, merged after
   *  (1 to 64; 1: no split); 0: chosen from the grid and the SM count (decode splits). */
  int32_t num_splits;
  /** CUDA launches that split: device memory for the partials, at least attn_workspace_size
   *  bytes, 16-byte aligned, that no other work uses until the launch is done; NULL: each such
   *  launch allocates and frees its own on the stream (an allocation in a CUDA graph keeps
   *  overlap_previous from overlapping). 0 bytes: none (what attn_workspace_size says for a
   *  launch that keeps no partials). Ignored by launches that keep none. */
  void *workspace;
  int64_t workspace_bytes;
  /** Nonzero, CUDA launches: the kernel may start while the kernel queued before it on the
   *  stream still runs (programmatic dependent launch), reading the metadata (cu_seqlens,
   *  seqlens_kv, block_table) and params and prefetching into L2 before it waits for that
   *  kernel. The caller promises that kernel writes none of those; what it writes to q, k, v
   *  and the scales is seen. */
  int32_t overlap_previous;
};

/** What a compiled kernel takes (for callers that allocate its outputs). */
typedef struct attn_kernel_info {
  int32_t q_dtype, k_dtype, v_dtype, out_dtype; /**< attn_dtype */
  int32_t head_dim_qk, head_dim_v;
  int32_t lse;       /**< nonzero: the kernel writes lse */
  int32_t ragged;    /**< nonzero: q/out (and k/v unless paged) are ragged [T, H, D] */
  int32_t page_size; /**< nonzero: k/v are a paged cache with pages of this many tokens */
  int32_t gqa;       /**< query heads per KV head the spec fixes; 0: any */
  int32_t num_params;
} attn_kernel_info;

/** A compiled spec. Thread-safe: one kernel may be launched from many threads. */
typedef struct attn_kernel attn_kernel;

/** Compiles spec text for `arch` ("sm_90a"; NULL: device 0's when there is one, else sm_90a)
 *  into *out. Compile errors come back as `<spec>:line:col: error: ...`. The GPU and host
 *  builds are made, and cached, on first launch. */
ATTN_API int attn_compile(const char *spec_text, const char *arch, attn_kernel **out);
/** attn_compile with attn-select-config's choices overridden (for tuning and measuring):
 *  `config` is `key=value` pairs separated by commas, among arch, block_m, block_n, warps,
 *  stages, heads_per_tile, mma (wgmma, mma.sync), pingpong and warp_split (on, off); NULL or
 *  "" overrides nothing. A config the kernel cannot be built with is a compile error saying why. */
ATTN_API int attn_compile_config(const char *spec_text, const char *config, attn_kernel **out);
/** attn_compile on the file at `path` (errors name the path). */
ATTN_API int attn_compile_file(const char *path, const char *arch, attn_kernel **out);
/** Validates and launches: on `cuda_stream` (a CUstream; NULL: the default stream) for CUDA
 *  tensors, on the host (synchronously) for host tensors. */
ATTN_API int attn_launch(attn_kernel *kernel, const struct attn_launch *launch,
                         void *cuda_stream);
/** Into *bytes: the workspace that attn_launch(kernel, launch, cuda_stream) would need, 0
 *  when it does not split (validating the launch as attn_launch does, launching nothing). */
ATTN_API int attn_workspace_size(attn_kernel *kernel, const struct attn_launch *launch,
                                 void *cuda_stream, int64_t *bytes);
/** The generated CUDA C++ (also the host build's source); NULL for a NULL kernel. Valid until
 *  attn_kernel_free. */
ATTN_API const char *attn_kernel_source(const attn_kernel *kernel);
/** The kernel's entry point name; NULL for a NULL kernel. */
ATTN_API const char *attn_kernel_name(const attn_kernel *kernel);
/** Fills *info; ATTN_ERROR for NULL arguments. */
ATTN_API int attn_kernel_get_info(const attn_kernel *kernel, attn_kernel_info *info);
/** The message of the last call that failed on this thread ("" if none has). Valid until the
 *  next failing call on this thread. */
ATTN_API const char *attn_last_error(void);
/** Frees a kernel (NULL is ignored). */
ATTN_API void attn_kernel_free(attn_kernel *kernel);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ATTN_ATTN_H */
