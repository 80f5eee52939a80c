# Warm decode launches only (B=8, 32/8 heads, D=128, paged 16, 8k keys) for ncu: fp8 K/V, or
# bf16 with any argument. From the bundle's root:
#   ncu -k regex:'attn_paged_decode_gqa_decode$' -s 1 -c 1 ... python3 bench/probes/ncu_decode.py [bf]
import sys
import torch
from case import SPECS, Step
import attn

name = "bf16" if len(sys.argv) > 1 else "fp8"
launch = Step(8192, seed=0).launch(attn.compile(SPECS[name]), name)
for _ in range(3):
    launch()
torch.cuda.synchronize()
