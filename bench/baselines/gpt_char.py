"""PyTorch twin of bench/gpt_char.js: the same GPT (nanoGPT layout, tied head, dropout 0) loaded
from the initial weights myelin wrote, AdamW (betas 0.9/0.99, weight decay 0.01), gradients
clipped to norm 1, on the ids, split and window starts in $GPT_CHAR_DATA; then top-k sampling
with a key/value cache in eager mode. Prints {name: {torch: tokens/s, torchVal: nats/char}}."""
import json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file

torch.set_num_threads(2)
torch.manual_seed(0)
d = json.load(open(os.environ["GPT_CHAR_DATA"]))
V, T, B, S = d["vocabSize"], d["blockSize"], d["batchSize"], d["steps"]
L, H, C = d["nLayer"], d["nHead"], d["nEmbd"]
tr, va = np.array(d["train"], dtype=np.int64), np.array(d["val"], dtype=np.int64)
starts = np.array(d["starts"], dtype=np.int64).reshape(S, B)


class Attn(nn.Module):
    def __init__(s):
        super().__init__()
        s.c_attn, s.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)

    def forward(s, x, cache=None, layer=0):
        b, t, _ = x.shape
        q, k, v = (z.view(b, t, H, C // H).transpose(1, 2) for z in s.c_attn(x).split(C, dim=2))
        if cache is not None:
            if layer in cache:
                k, v = torch.cat([cache[layer][0], k], 2), torch.cat([cache[layer][1], v], 2)
            cache[layer] = (k, v)
            causal = t > 1  # a prompt starts an empty cache; one new token sees every key
        else:
            causal = True
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return s.c_proj(y.transpose(1, 2).reshape(b, t, C))


class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln_1, s.attn, s.ln_2 = nn.LayerNorm(C), Attn(), nn.LayerNorm(C)
        s.mlp = nn.Sequential()
        s.mlp.c_fc, s.mlp.gelu, s.mlp.c_proj = nn.Linear(C, 4 * C), nn.GELU(), nn.Linear(4 * C, C)

    def forward(s, x, cache=None, layer=0):
        x = x + s.attn(s.ln_1(x), cache, layer)
        return x + s.mlp(s.ln_2(x))


class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        s.h = nn.ModuleList([Block() for _ in range(L)])
        s.ln_f = nn.LayerNorm(C)

    def forward(s, idx, cache=None, offset=0):
        x = s.wte(idx) + s.wpe(torch.arange(offset, offset + idx.shape[1]))
        for i, b in enumerate(s.h):
            x = b(x, cache, i)
        return F.linear(s.ln_f(x), s.wte.weight)


def batch(ids, st):
    ix = st[:, None] + np.arange(T)[None, :]
    return torch.from_numpy(ids[ix]), torch.from_numpy(ids[ix + 1])


model = GPT()
model.load_state_dict(load_file(d["weights"]), strict=True)
out = {}
name = f"gpt-char L{L} d{C} T{T} B{B} {S} steps (train tokens/s)"
if name in sys.argv[1]:
    opt = torch.optim.AdamW(model.parameters(), lr=d["lr"], betas=(0.9, 0.99), weight_decay=0.01)
    t0 = time.perf_counter()
    for s in range(S):
        x, y = batch(tr, starts[s])
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss.item()
    secs = time.perf_counter() - t0
    n, nats = d["valWindows"], 0.0
    model.eval()
    with torch.no_grad():
        for s in range(0, n, 32):
            x, y = batch(va, np.arange(s, min(s + 32, n)) * T)
            nats += F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1)).item() * x.shape[0]
    out[name] = {"torch": S * B * T / secs, "torchVal": nats / n}

g = d["gen"]
gname = f"gpt generate {g['newTokens']} tokens, KV cache (tokens/s)"
if gname in sys.argv[1]:
    model.eval()

    @torch.no_grad()
    def generate():
        cache, seq = {}, torch.tensor([g["prompt"]])
        nxt, off = seq, 0
        for _ in range(g["newTokens"]):
            logits = model(nxt, cache, off)[:, -1, :] / g["temperature"]
            off += nxt.shape[1]
            kth = torch.topk(logits, g["topK"])[0][..., -1, None]
            logits = logits.masked_fill(logits < kth, -float("inf"))
            nxt = torch.multinomial(logits.softmax(-1), 1)
            seq = torch.cat([seq, nxt], 1)
        return seq

    generate()
    rates = []
    for _ in range(3):
        t0 = time.perf_counter()
        generate()
        rates.append(g["newTokens"] / (time.perf_counter() - t0))
    out[gname] = {"torch": sorted(rates)[1]}
json.dump(out, sys.stdout)
