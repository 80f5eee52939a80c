//===- TileOps.td - Operations of the tile dialect --------*- tablegen -*-===//
#ifndef TILE_OPS_TD
#define TILE_OPS_TD

include "TileBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def RegTile : VectorOfRankAndType<[2], [F32]>;
def RowVec : VectorOfRankAndType<[1], [F32]>;
/// A shared-memory tile of the MMA type, or of fp8 codes (Q and K tiles of Q.K on fp8 tensor
/// cores; K and V tiles that the warp-split MMAs widen in registers).
def SmemTile : MemRefRankOf<[BF16, F16, F8E4M3FN, F8E5M2], [2]>;

def Tile_KernelOp : Tile_Op<"kernel", [IsolatedFromAbove, Symbol, NoTerminator]> {
  let summary = "one CTA's program";
  let description = [{
    The config (`block_m`, `block_n`, `warps`, `stages`, `heads_per_tile`, `arch`) and the
    signature (`q`, `k`, `v`, `out` as `#attn.tensor`, `params`, `lse`, `ragged`, `page_size`)
    are attributes; the body runs once per CTA.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, DictionaryAttr:$config,
                       DictionaryAttr:$signature);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name `config` $config `signature` $signature attr-dict-with-keyword $body";
}

def Tile_YieldOp : Tile_Op<"yield", [Pure, Terminator, ReturnLike]> {
  let summary = "the value of a map or mask region";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

def Tile_CtaInfoOp : Tile_Op<"cta_info", [Pure]> {
  let summary = "the CTA's sequence, query range and key count";
  let description = [{
    `%b, %q_first, %q_last, %kv_len = tile.cta_info`: the batch entry, the absolute positions
    of the tile's first and last query (q_idx counts from the start of the sequence, so with
    kv_len keys and q_len queries, query i is at kv_len - q_len + i), and the number of keys.
    A CTA whose tile holds no query returns before this.
  }];
  let results = (outs I32:$b, I32:$q_first, I32:$q_last, I32:$kv_len);
  let assemblyFormat = "attr-dict";
}

def Tile_KvSplitOp : Tile_Op<"kv_split", [Pure]> {
  let summary = "the CTA's part of the KV range when the launch splits the keys";
  let description = [{
    `%lo2, %hi2 = tile.kv_split %lo, %hi`: a launch may cut every query tile's key range
    [lo, hi) into parts, one CTA each (split KV, for short query tiles over long keys, as in
    decode). The parts are contiguous, of equal length in whole KV tiles, so that every tile
    starts where the unsplit loop's would; the last may be shorter or empty. Unsplit, the
    range itself.
  }];
  let arguments = (ins I32:$lo, I32:$hi);
  let results = (outs I32:$part_lo, I32:$part_hi);
  let assemblyFormat = "$lo `,` $hi attr-dict";
}

def Tile_RowsLiveOp : Tile_Op<"rows_live", [Pure]> {
  let summary = "whether this thread's MMA rows hold a query of the sequence";
  let description = [{
    `%live = tile.rows_live`: true when the rows of the thread's MMA unit (its warp with
    mma.sync, its warpgroup with wgmma) hold at least one query of the sequence. A unit
    without one (the short query tiles of decode) may skip a tile's MMAs and softmax: its rows
    are never stored. Always true on the host, where one thread holds the whole tile.
  }];
  let results = (outs I1:$live);
  let assemblyFormat = "attr-dict";
}

def Tile_AwaitPreviousOp : Tile_Op<"await_previous"> {
  let summary = "waits for the kernel before this launch on the stream, where the launch overlaps it";
  let description = [{
    `tile.await_previous %lo, %hi`: a launch may start while the kernel queued before it on
    the stream still runs (programmatic dependent launch, when the caller asks for it and
    promises that kernel writes none of the launch's metadata and params). Such a launch has
    read only those so far; here it brings the query tile and the first keys of [lo, hi) of
    k and v into L2 (coherent with that kernel's writes), then waits for that kernel to
    finish, then lets the launch queued after it start. Every read of q, k, v and their scales
    and every store comes after it. Nothing happens in a launch that does not overlap.
  }];
  let arguments = (ins I32:$lo, I32:$hi);
  let assemblyFormat = "$lo `,` $hi attr-dict";
}

def Tile_StartQOp : Tile_Op<"start_q"> {
  let summary = "starts loading the query tile (one group of copies; rows past the sequence are zeros)";
  let assemblyFormat = "attr-dict";
}

def Tile_LoadQOp : Tile_Op<"load_q"> {
  let summary = "finishes the query tile in shared memory, dequantizing fp8 to the MMA type "
                "unless the tile keeps fp8 codes (Q.K on fp8 tensor cores)";
  let description = [{
    Waits for tile.start_q's copies, `pending` later groups of copies (the first K/V tiles)
    being allowed in flight, so that any conversion of q runs while they land.
    With `row_factor`, a bf16 query tile enters an f16 tile row by row: row r is divided by
    row_factor[r], the power of two that brings its largest magnitude into [2^14, 2^15)
    (exact: no row overflows f16, and every element a row's scores can notice keeps its bits).
    The score multiplier takes the factors back (tile.score_scale's `times`).
    With `k_sign`, the rows are also multiplied by the sign of k's scale, constant over the
    CTA (exact), so that tile.score_scale's `positive` multiplier gives the same scores.
  }];
  let arguments = (ins I64Attr:$pending, UnitAttr:$k_sign);
  let results = (outs SmemTile:$tile, Optional<RowVec>:$row_factor);
  let assemblyFormat = "`pending` $pending attr-dict `:` type($tile) (`,` type($row_factor)^)?";
  let hasVerifier = 1;
}

def Tile_LoadAsyncOp : Tile_Op<"load_async"> {
  let summary = "starts loading keys [n0, n0 + block_n) of k or v (zeros past the sequence)";
  let description = [{
    Copies into the tile buffer of stage (n0 / block_n) mod stages when `active`; either way it
    closes one group of copies, so that the number of groups issued after any load is static
    and a `tile.wait` can name it.
  }];
  let arguments = (ins StrAttr:$operand, I32:$n0, I1:$active);
  let assemblyFormat = "$operand `[` $n0 `]` `if` $active attr-dict";
}

def Tile_WaitOp : Tile_Op<"wait"> {
  let summary = "waits for k's or v's tile, widening fp8 to the MMA type once per CTA";
  let description = [{
    Waits until at most `pending` groups of loads issued after the one of keys [n0, n0 +
    block_n) are still in flight (that one has then landed) and yields its buffer; an fp8
    tile is widened here to the MMA type unless `widened` says a `tile.widen` did it already
    (a tile of fp8 codes, the Q.K operand of fp8 tensor cores, is used as it landed).
  }];
  let arguments = (ins StrAttr:$operand, I32:$n0, I64Attr:$pending, UnitAttr:$widened);
  let results = (outs SmemTile:$tile);
  let assemblyFormat = "$operand `[` $n0 `]` `pending` $pending attr-dict `:` type($tile)";
}

def Tile_WidenOp : Tile_Op<"widen"> {
  let summary = "widens this thread's landed fp8 copies of a k or v tile, without a barrier";
  let description = [{
    When `active`: waits for this thread's own copies and converts them to the MMA type in the
    tile's buffer, so that the conversion can run where the other warpgroup's MMAs hide it;
    the tile's `tile.wait ... {widened}` then only makes it visible to the whole CTA.
  }];
  let arguments = (ins StrAttr:$operand, I32:$n0, I1:$active);
  let assemblyFormat = "$operand `[` $n0 `]` `if` $active attr-dict";
}

def Tile_MmaQKOp : Tile_Op<"mma_qk", [Pure]> {
  let summary = "S = Q K^T on tensor cores, f32 accumulation";
  let description = [{
    Q and K tiles of one 16-bit MMA type; both of fp8 codes (e4m3 or e5m2 each): Q.K then
    runs on fp8 tensor cores; or a 16-bit Q with a K of fp8 codes, widened exactly to Q's type
    in registers as the MMAs read it (warp split).
  }];
  let arguments = (ins SmemTile:$q, SmemTile:$k);
  let hasVerifier = 1;
  let results = (outs RegTile:$s);
  let assemblyFormat = "$q `,` $k attr-dict `:` type($q) `,` type($k) `->` type($s)";
}

def Tile_MmaPVOp : Tile_Op<"mma_pv", [Pure]> {
  let summary = "acc + P V, P rounded to the MMA type";
  let description = [{
    V is a tile of the MMA type, or of fp8 codes widened exactly to it in registers as the
    MMAs read them (warp split).
  }];
  let arguments = (ins RegTile:$p, SmemTile:$v, RegTile:$acc);
  let results = (outs RegTile:$result);
  let assemblyFormat = "$p `,` $v `,` $acc attr-dict `:` type($p) `,` type($v) `,` type($acc) `->` type($result)";
}

def Tile_FillOp : Tile_Op<"fill", [Pure]> {
  let summary = "a tile or row vector of one value";
  let arguments = (ins F32Attr:$value);
  let results = (outs AnyTypeOf<[RegTile, RowVec]>:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
}

def Tile_ScoreScaleOp : Tile_Op<"score_scale", [Pure,
    OptionalTypesMatchWith<"times has one factor per row", "result", "times", "$_self">]> {
  let summary = "per row: multiplier * q's scale * k's per-tensor/per-head scale";
  let description = [{
    The folded score multiplier of attn-fold-scales (softmax_scale, and log2 e when the score
    function is the identity) times the dequantization scales that are constant along a row,
    times tile.load_q's row factors where q's rows were rescaled. `positive`: the magnitude,
    at least the smallest normal float (so that -inf scores stay -inf when it enters the
    exponents; NaN stays NaN), for tile.load_q's `k_sign` rows.
  }];
  let arguments = (ins F64Attr:$multiplier, StrAttr:$q_scale, StrAttr:$k_scale,
                       Optional<RowVec>:$times, UnitAttr:$positive);
  let results = (outs RowVec:$result);
  let assemblyFormat = "$multiplier `q` $q_scale `k` $k_scale (`times` $times^)? attr-dict `:` type($result)";
}

def Tile_ScaleRowsOp : Tile_Op<"scale_rows", [Pure, AllTypesMatch<["tile", "result"]>]> {
  let summary = "t * f, one factor per row (a tile, or one value per row)";
  let arguments = (ins AnyTypeOf<[RegTile, RowVec]>:$tile, RowVec:$factor);
  let results = (outs AnyTypeOf<[RegTile, RowVec]>:$result);
  let assemblyFormat = "$tile `,` $factor attr-dict `:` type($tile) `,` type($factor)";
}

def Tile_ScaleColsOp : Tile_Op<"scale_cols", [Pure, AllTypesMatch<["tile", "result"]>]> {
  let summary = "t * scale of key n0 + col (a per-token k or v scale)";
  let arguments = (ins RegTile:$tile, StrAttr:$operand, I32:$n0);
  let results = (outs RegTile:$result);
  let assemblyFormat = "$tile `by` $operand `[` $n0 `]` attr-dict `:` type($tile)";
}

def Tile_MulOp : Tile_Op<"mul", [Pure, AllTypesMatch<["tile", "result"]>]> {
  let summary = "t * c (a tile, or one value per row)";
  let arguments = (ins AnyTypeOf<[RegTile, RowVec]>:$tile, F64Attr:$factor);
  let results = (outs AnyTypeOf<[RegTile, RowVec]>:$result);
  let assemblyFormat = "$tile `,` $factor attr-dict `:` type($tile)";
}

def Tile_MapOp : Tile_Op<"map", [Pure, AllTypesMatch<["tile", "result"]>]> {
  let summary = "the score function over a score tile";
  let description = [{
    Each element x at (row, col) becomes the region's value of (x, b, h, q_idx, kv_idx), with
    h and q_idx the row's head and absolute position and kv_idx = n0 + col.
  }];
  let arguments = (ins RegTile:$tile, I32:$b, I32:$n0);
  let results = (outs RegTile:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$tile `[` $b `,` $n0 `]` attr-dict `:` type($tile) $body";
}

def Tile_MaskOp : Tile_Op<"mask", [Pure, AllTypesMatch<["tile", "result"]>]> {
  let summary = "-inf where the mask is false or the key is past the sequence";
  let arguments = (ins RegTile:$tile, I32:$b, I32:$n0);
  let results = (outs RegTile:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$tile `[` $b `,` $n0 `]` attr-dict `:` type($tile) $body";
}

def Tile_MaskTailOp : Tile_Op<"mask_tail", [Pure, AllTypesMatch<["tile", "result"]>]> {
  let summary = "-inf for keys past the sequence only (a tile the mask keeps whole)";
  let arguments = (ins RegTile:$tile, I32:$n0);
  let results = (outs RegTile:$result);
  let assemblyFormat = "$tile `[` $n0 `]` attr-dict `:` type($tile)";
}

def Tile_ParamReadOp : Tile_Op<"param_read", [Pure]> {
  let summary = "an element of the index-th param tensor";
  let arguments = (ins StrAttr:$param, I64Attr:$index, TypeAttr:$storage, Variadic<I32>:$indices);
  let results = (outs AnyTypeOf<[F32, I32]>:$result);
  let assemblyFormat = "$param `(` $index `,` $storage `)` `[` $indices `]` attr-dict `:` type($result)";
}

def Tile_RowMaxOp : Tile_Op<"row_max", [Pure, AllTypesMatch<["m_old", "m_new"]>]> {
  let summary = "m_new = max(m_old, rowmax(S))";
  let arguments = (ins RegTile:$s, RowVec:$m_old);
  let results = (outs RowVec:$m_new);
  let assemblyFormat = "$s `,` $m_old attr-dict `:` type($s) `,` type($m_old)";
}

def Tile_Exp2DiffOp : Tile_Op<"exp2_diff", [Pure, AllTypesMatch<["m_old", "m_new", "alpha"]>,
    OptionalTypesMatchWith<"one multiplier per row", "alpha", "row_scale", "$_self">]> {
  let summary = "alpha = exp2(c (m_old - m_new)), 1 while a row is all masked";
  let description = [{
    With `scale c` (c > 0), or `by` a positive multiplier per row (tile.score_scale's
    `positive`), the scores and their running maxima are unscaled: the multiplier applies here
    and in exp2_sub, one fused multiply-add per score instead of a multiply before the
    maximum. Without either, c = 1.
  }];
  let arguments = (ins RowVec:$m_old, RowVec:$m_new, OptionalAttr<F64Attr>:$scale,
                       Optional<RowVec>:$row_scale);
  let results = (outs RowVec:$alpha);
  let assemblyFormat = "$m_old `,` $m_new (`scale` $scale^)? (`by` $row_scale^)? attr-dict `:` type($alpha)";
  let hasVerifier = 1;
}

def Tile_Exp2SubOp : Tile_Op<"exp2_sub", [Pure, AllTypesMatch<["s", "p"]>,
    OptionalTypesMatchWith<"one multiplier per row", "m", "row_scale", "$_self">]> {
  let summary = "P = exp2(c S - c m) per row (0 where S = -inf); c = `scale` or `by`, else 1";
  let arguments = (ins RegTile:$s, RowVec:$m, OptionalAttr<F64Attr>:$scale,
                       Optional<RowVec>:$row_scale);
  let results = (outs RegTile:$p);
  let assemblyFormat = "$s `,` $m (`scale` $scale^)? (`by` $row_scale^)? attr-dict `:` type($s) `,` type($m)";
  let hasVerifier = 1;
}

def Tile_RowSumOp : Tile_Op<"row_sum", [Pure, AllTypesMatch<["l_old", "alpha", "l_new"]>]> {
  let summary = "l_new = alpha * l_old + rowsum(P)";
  let arguments = (ins RegTile:$p, RowVec:$l_old, RowVec:$alpha);
  let results = (outs RowVec:$l_new);
  let assemblyFormat = "$p `,` $l_old `,` $alpha attr-dict `:` type($p) `,` type($l_old)";
}

def Tile_StoreOutOp : Tile_Op<"store_out", [AllTypesMatch<["m", "l"]>]> {
  let summary = "out = acc / l * v's per-tensor/per-head scale / out_scale, in out's dtype";
  let description = [{
    `tile.store_out %acc, %m, %l v "per_head" {lse}`: the epilogue. With `lse` it also stores
    each row's lse = (m + log2 l) * ln 2 (-inf for a fully masked row), from the same rows (with
    warp split, merged across the warps once for both). When the launch splits the keys
    (tile.kv_split), it stores this CTA's partial instead: acc / l with the same scales as
    float, and m + log2 l per row, which the kernel's merge entry combines into out and lse.
  }];
  let arguments = (ins RegTile:$acc, RowVec:$m, RowVec:$l, StrAttr:$v_scale, UnitAttr:$out_scale,
                       UnitAttr:$lse);
  let assemblyFormat = "$acc `,` $m `,` $l `v` $v_scale attr-dict `:` type($acc) `,` type($l)";
}

#endif // TILE_OPS_TD
