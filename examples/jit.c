/* jit.c - The C API (attn/attn.h): compile a spec at run time and launch it.
 *
 *   attn-example-jit-c [SPEC]     (default: examples/causal.attn)
 *
 * Compiles the spec, shows a bad launch's error, then runs the kernel's host build on small bf16
 * tensors [B=1, S=16, H=2, D] in host memory. With CUDA tensors (device 0 and up) the same
 * attn_launch runs the GPU build on the CUstream passed as its last argument. The spec must be
 * dense bf16 with no params, scales or lse (as causal.attn is). */
#include "attn/attn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t to_bf16(float x) {
  uint32_t bits;
  memcpy(&bits, &x, 4);
  return (uint16_t)((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
}

static float from_bf16(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float x;
  memcpy(&x, &bits, 4);
  return x;
}

/* A contiguous host tensor of `rank` sizes. */
static attn_tensor host_tensor(const void *data, attn_dtype dtype, int rank, const int64_t *shape) {
  attn_tensor t;
  int64_t stride = 1;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.dtype = dtype;
  t.device = ATTN_DEVICE_HOST;
  t.rank = rank;
  for (int i = rank - 1; i >= 0; --i) {
    t.shape[i] = shape[i];
    t.stride[i] = stride;
    stride *= shape[i];
  }
  return t;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : ATTN_SOURCE_DIR "/examples/causal.attn";
  attn_kernel *kernel;
  attn_kernel_info info;
  if (attn_compile_file(path, NULL, &kernel) != ATTN_OK) {
    fprintf(stderr, "%s\n", attn_last_error()); /* path:line:col: error: ... */
    return 1;
  }
  attn_kernel_get_info(kernel, &info);
  printf("%s: kernel %s, head dim %d\n", path, attn_kernel_name(kernel), (int)info.head_dim_qk);

  const int64_t shape[4] = {1, 16, 2, info.head_dim_qk};
  const size_t n = (size_t)(shape[0] * shape[1] * shape[2] * shape[3]);
  /* 16-byte aligned rows: the kernels load them as vectors. */
  uint16_t *q = aligned_alloc(16, n * 2), *k = aligned_alloc(16, n * 2),
           *v = aligned_alloc(16, n * 2), *out = aligned_alloc(16, n * 2);
  for (size_t i = 0; i < n; ++i) {
    q[i] = to_bf16((float)((i * 37) % 17) / 17.0f - 0.5f);
    k[i] = to_bf16((float)((i * 11) % 13) / 13.0f - 0.5f);
    v[i] = to_bf16((float)(i % 7) / 7.0f);
  }
  struct attn_launch launch;
  memset(&launch, 0, sizeof launch); /* no optional tensors, metadata checked */
  launch.q = host_tensor(q, ATTN_BF16, 4, shape);
  launch.k = host_tensor(k, ATTN_BF16, 4, shape);
  launch.v = host_tensor(v, ATTN_BF16, 4, shape);
  launch.out = host_tensor(out, ATTN_BF16, 3, shape); /* wrong on purpose: rank 3 */
  if (attn_launch(kernel, &launch, NULL) != ATTN_OK)
    printf("a bad launch says: %s\n", attn_last_error());
  launch.out = host_tensor(out, ATTN_BF16, 4, shape);
  if (attn_launch(kernel, &launch, NULL) != ATTN_OK) {
    fprintf(stderr, "%s\n", attn_last_error());
    return 1;
  }
  printf("host: out[0][15][1][0..3] = %.4f %.4f %.4f %.4f\n", from_bf16(out[n - info.head_dim_v]),
         from_bf16(out[n - info.head_dim_v + 1]), from_bf16(out[n - info.head_dim_v + 2]),
         from_bf16(out[n - info.head_dim_v + 3]));
  free(q), free(k), free(v), free(out);
  attn_kernel_free(kernel);
  return 0;
}
