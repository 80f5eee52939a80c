# Per-CTA timeline of the 8k decode step (bf16 and fp8 K/V, the launch's split), launched by
# default and as the bar's served step (Step.served: a lent workspace, overlap_previous), from a
# library built with cta_probe_patch.py. Times in us since the launch's first CTA entry
# (globaltimer at entry, clock64 since it at the SM clock): min / median / max over CTAs of the
# entry, the previous launch's end seen (await_previous's wait, served only), the first and
# last K tile waited for, store_out's entry and the CTA's end; the step between K tiles; the
# same by the CTAs on the SM; the K tiles' rate summed over the CTAs and the balanced end
# (balance()). `period` is the graph's time per launch, so for a served launch
# the next one's wait ends about `period` after this one's: what lies between the last CTA's
# end and that is the merge's tail. `end` breaks each CTA's end down from its warps' stamps
# (medians over CTAs, us): the spread of its warps' last K tiles, from the last of them to the
# last V tile waited for (Q.K and the softmax, or V still landing), to the last warp's
# store_out (P.V), the warps' merge, and the stores to the CTA's end. From the bundle's root,
# ATTN_LIBRARY set to the patched
# library: python3 bench/probes/cta_timeline.py [--dump FILE] (the SM clock is measured: clock64
# against globaltimer; --dump writes every CTA's stamps, by name and mode, as JSON)
import json
import sys
from collections import Counter
from statistics import median

import torch
from case import D, Step, kernels

# cta_probe_patch.py's stamps: 256 CTAs x 512 bytes below k's data, and as many per warp below that
L, SCRATCH = 8192, 2 * 131072
DECODE_BN = {"bf16": 64, "fp8": 192}  # the decode builds' K/V tile widths (attnc --emit=cuda --decode-build)


class ScratchStep(Step):
    """Step whose K caches start past SCRATCH spare bytes of their buffers, the probe's scratch."""

    def __init__(self, L):
        super().__init__(L)
        self.scratch = {}
        for name, attr in (("bf16", "kc"), ("fp8", "k8")):
            k = getattr(self, attr)
            spare = -(-SCRATCH // (k[0].numel() * k.element_size()))  # whole blocks
            full = torch.zeros((k.shape[0] + spare,) + tuple(k.shape[1:]), device=k.device, dtype=k.dtype)
            full[spare:] = k
            setattr(self, attr, full[spare:])
            at = spare * k[0].numel() * k.element_size()
            self.scratch[name] = full.view(torch.uint8).reshape(-1)[at - SCRATCH:at].view(torch.int64)

    def stamps(self, name):
        """Each CTA's stamps (thread 0's) and its warps' (lane 0 of each)."""
        warps, ctas = self.scratch[name].reshape(2, 256, 64).tolist()
        return ctas, warps


def replay(fn, n=10):
    g, s = torch.cuda.CUDAGraph(), torch.cuda.Stream()
    with torch.cuda.stream(s), torch.cuda.graph(g, stream=s):
        for _ in range(n):
            fn()
    for _ in range(3):
        g.replay()
    torch.cuda.synchronize()
    t0, t1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    t0.record()
    for _ in range(20):
        g.replay()
    t1.record()
    torch.cuda.synchronize()
    return t0.elapsed_time(t1) * 1e3 / (20 * n)


def spread(xs):
    return f"{min(xs):6.2f} {median(xs):6.2f} {max(xs):6.2f}"


def ceil_div(a, b):
    return -(-a // b)


def tiles(i, r, bn):
    """Stamp slots of the K tiles CTA i waited for, in order: its part of the L keys."""
    splits, last = r[8] >> 32, r[8] & 0xFFFFFFFF
    first = (i % splits) * ceil_div(ceil_div(L, splits), bn)
    return [16 + t % 48 for t in range(first, min(last + 1, ceil_div(L, bn)))]


def clock(t0, ghz):
    """Stamp slot i of CTA r in us since t0 (clock64 counted from the CTA's entry)."""
    return lambda r, i: (r[0] - t0) / 1e3 + (r[i] - r[1]) / ghz / 1e3


def summary(cs, t0, ghz):
    """cs: (stamps, K tile slots) of each CTA."""
    at = clock(t0, ghz)
    steps = [(r[t[k + 1]] - r[t[k]]) / ghz / 1e3 for r, t in cs for k in range(len(t) - 1)]
    cols = [("entry", [(r[0] - t0) / 1e3 for r, _ in cs])]
    if all(r[4] for r, _ in cs):
        cols.append(("waited", [at(r, 4) for r, _ in cs]))
    cols += [("K0", [at(r, t[0]) for r, t in cs]), ("last K", [at(r, t[-1]) for r, t in cs]),
             ("store_out", [at(r, 5) for r, _ in cs]), ("end", [(r[7] - t0) / 1e3 for r, _ in cs])]
    return (f"n {len(cs)} tiles {median(len(t) for _, t in cs)} K step {median(steps) if steps else 0:.2f} | "
            + " | ".join(f"{c} {spread(x)}" for c, x in cols))


def end(cs, ws, ghz):
    """A CTA's end from its warps' stamps (ws: each CTA's warp area), medians over CTAs."""
    us = lambda a, b: (a - b) / ghz / 1e3
    parts = {"last K spread": [], "to last V": [], "to store_out": [], "merge": [], "stores": [], "last K to end": []}
    for (r, _), w in zip(cs, ws):
        n = sum(1 for x in w[32:48] if x)  # the warps that stamped store_out's entry
        k, v, so = w[:n], w[16:16 + n], w[32:32 + n]
        for key, x in zip(parts, (us(max(k), min(k)), us(max(v), max(k)), us(max(so), max(v)),
                                  us(w[48], max(so)), us(r[6], w[48]), us(r[6], max(k)))):
            parts[key].append(x)
    return "  end: " + ", ".join(f"{key} {median(x):.2f}" for key, x in parts.items())


def balance(cs, t0, ghz, tile_bytes):
    """The K tiles' rate summed over CTAs (while all stream), and when the last K tile would land
    if every CTA kept its own rate but the tiles were shared out so that all end together."""
    at = clock(t0, ghz)
    rate = sum((len(t) - 1) / (at(r, t[-1]) - at(r, t[0])) for r, t in cs)  # tiles per us
    done = sum(len(t) - 1 for _, t in cs)
    first = median(at(r, t[0]) for r, t in cs)
    last = max(at(r, t[-1]) for r, t in cs)
    return (f"  all streaming: {rate * tile_bytes / 1e6:.2f} TB/s; last K tile balanced "
            f"{first + done / rate:.2f} against {last:.2f}")


ks = kernels()
st = ScratchStep(L)
dump = {}
for name, K in ks.items():
    for how, fn in (("default", st.launch(K, name)), ("served", st.served(K, name))):
        fn(); torch.cuda.synchronize()
        period = replay(fn)
        stamps, warps = st.stamps(name)
        dump[f"{name} {how}"] = {"period": period, "stamps": stamps, "warps": warps}
        bn = DECODE_BN[name]
        live = [i for i, r in enumerate(stamps) if r[1] and r[8] and (r[9] & 0xFFFFFFFF) == L + 1]
        cs = [(stamps[i], tiles(i, stamps[i], bn)) for i in live]
        t0 = min(r[0] for r, _ in cs)
        ghz = median((r[6] - r[1]) / max(1, r[7] - r[0]) for r, _ in cs)
        per_sm = Counter(r[9] >> 32 for r, _ in cs)
        print(f"{name} {how} L={L}: period {period:.1f} us, clock {ghz:.2f} GHz; (min median max) {summary(cs, t0, ghz)}",
              flush=True)
        print(balance(cs, t0, ghz, 2 * bn * D * st.kv(name)[0].element_size()))
        print(end(cs, [warps[i] for i in live], ghz))
        for c in sorted(set(per_sm.values())):
            print(f"  {c} CTA(s) on the SM: {summary([x for x in cs if per_sm[x[0][9] >> 32] == c], t0, ghz)}")
if "--dump" in sys.argv:
    with open(sys.argv[sys.argv.index("--dump") + 1], "w") as f:
        json.dump(dump, f)
