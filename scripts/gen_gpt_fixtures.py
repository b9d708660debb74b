# Writes test/fixtures/gpt.json: a small nanoGPT-layout GPT built in torch (float64) with its
# weights, logits, loss and every parameter's gradient, and top-k / top-p filtering written as
# Hugging Face's TopKLogitsWarper / TopPLogitsWarper. Run: /tmp/venv-c/bin/python scripts/gen_gpt_fixtures.py
import json, math, os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


class CausalSelfAttention(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.c_attn, s.c_proj, s.h = nn.Linear(d, 3 * d), nn.Linear(d, d), h

    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, s.h, C // s.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return s.c_proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(s, d):
        super().__init__()
        s.c_fc, s.c_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(s, x):
        return s.c_proj(F.gelu(s.c_fc(x)))


class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.ln_1, s.attn, s.ln_2, s.mlp = nn.LayerNorm(d), CausalSelfAttention(d, h), nn.LayerNorm(d), MLP(d)

    def forward(s, x):
        x = x + s.attn(s.ln_1(x))
        return x + s.mlp(s.ln_2(x))


class GPT(nn.Module):
    def __init__(s, V, block, L, H, d):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, d), nn.Embedding(block, d)
        s.h = nn.ModuleList([Block(d, H) for _ in range(L)])
        s.ln_f = nn.LayerNorm(d)

    def forward(s, idx):
        T = idx.shape[1]
        x = s.wte(idx) + s.wpe(torch.arange(T))
        for b in s.h:
            x = b(x)
        return F.linear(s.ln_f(x), s.wte.weight)  # the lm head tied to wte


def arr(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) if math.isfinite(v) else ("-inf" if v < 0 else "inf") for v in t.reshape(-1).tolist()]}


cfg = dict(vocabSize=13, blockSize=8, nLayer=2, nHead=2, nEmbd=16)
m = GPT(13, 8, 2, 2, 16)
with torch.no_grad():  # LayerNorm weights away from 1 and biases away from 0, so the test sees them
    for n, p in m.named_parameters():
        if "ln" in n:
            p.add_(0.1 * torch.randn_like(p))
        elif n.endswith("bias"):
            p.copy_(0.05 * torch.randn_like(p))
        else:
            p.normal_(0, 0.3)
ids = torch.randint(0, 13, (2, 7))
tgt = torch.randint(0, 13, (2, 7))
logits = m(ids)
loss = F.cross_entropy(logits.reshape(-1, 13), tgt.reshape(-1))
loss.backward()


def top_k(logits, k):
    k = min(k, logits.size(-1))
    remove = logits < torch.topk(logits, k)[0][..., -1, None]
    return logits.masked_fill(remove, -float("inf"))


def top_p(logits, p):
    sorted_logits, sorted_indices = torch.sort(logits, descending=False)
    cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_remove = cum <= (1 - p)
    sorted_remove[..., -1:] = 0
    remove = sorted_remove.scatter(1, sorted_indices, sorted_remove)
    return logits.masked_fill(remove, -float("inf"))


fl = torch.randn(3, 20) * 2
filt = {
    "logits": arr(fl),
    "topK": [{"k": k, "out": arr(top_k(fl, k))} for k in (1, 3, 7, 25)],
    "topP": [{"p": p, "out": arr(top_p(fl, p))} for p in (0.05, 0.3, 0.6, 0.9, 0.99)],
}
out = {
    "torch": torch.__version__,
    "config": cfg,
    "ids": ids.tolist(), "targets": tgt.tolist(),
    "state": {n: arr(p) for n, p in m.state_dict().items()},
    "logits": arr(logits), "loss": loss.item(),
    "grads": {n: arr(p.grad) for n, p in m.named_parameters()},
    "filters": filt,
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "gpt.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print("wrote", path, os.path.getsize(path), "bytes")
