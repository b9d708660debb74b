"""Reference results for myelin's recurrent layers, cells and embedding bags, computed by PyTorch.

Writes test/fixtures/rnn.json. Each case holds the torch module's state_dict (float32 values;
the test loads it with loadStateDict(strict)), the inputs, and, computed in float64 from those
same float32 values, the outputs, final states and the gradients of
loss = sum(out * R) + sum(hN * S) [+ sum(cN * S2)] with respect to the input, the given initial
states and every weight. Run: /tmp/venv-c/bin/python scripts/gen_rnn_fixtures.py
"""
import json, os
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
g = torch.Generator().manual_seed(1717)


def t(x):
    return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""), "data": x.detach().reshape(-1).tolist()}


def randn(*s):
    # float32 values, so the float32 and float64 runs start from the same numbers
    return torch.randn(*s, generator=g, dtype=torch.float32).double()


cases = []
CLS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


def layer(name, kind, inp, hid, js_opts, T=5, B=3, given_state=False, lengths=None, unbatched=False):
    """js_opts: camelCase options; lengths: a packed batch (enforce_sorted False)."""
    py = {"num_layers": js_opts.get("numLayers", 1), "bias": js_opts.get("bias", True), "batch_first": js_opts.get("batchFirst", False),
          "bidirectional": js_opts.get("bidirectional", False)}
    if "projSize" in js_opts: py["proj_size"] = js_opts["projSize"]
    if "nonlinearity" in js_opts: py["nonlinearity"] = js_opts["nonlinearity"]
    m = CLS[kind](inp, hid, **py)
    state = {k: t(v) for k, v in m.state_dict().items()}
    m = m.double()
    D = 2 if py["bidirectional"] else 1
    L, Hout = py["num_layers"], js_opts.get("projSize", hid)
    bf = py["batch_first"]
    shape = [T, inp] if unbatched else ([B, T, inp] if bf else [T, B, inp])
    x = randn(*shape).requires_grad_()
    sshape = [L * D, hid] if unbatched else [L * D, B, hid]
    hshape = [L * D, Hout] if unbatched else [L * D, B, Hout]
    hx = cx = None
    if given_state:
        hx = randn(*hshape).requires_grad_()
        if kind == "LSTM": cx = randn(*sshape).requires_grad_()
    arg = None if hx is None else ((hx, cx) if kind == "LSTM" else hx)
    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=bf, enforce_sorted=False)
        out, st = m(packed, arg)
        out, _ = pad_packed_sequence(out, batch_first=bf)
    else:
        out, st = m(x, arg)
    hN, cN = st if kind == "LSTM" else (st, None)
    R, S = randn(*out.shape), randn(*hN.shape)
    loss = (out * R).sum() + (hN * S).sum()
    S2 = None
    if cN is not None:
        S2 = randn(*cN.shape)
        loss = loss + (cN * S2).sum()
    loss.backward()
    c = {"name": name, "kind": kind, "args": [inp, hid], "opts": js_opts, "state": state, "x": t(x), "out": t(out), "hN": t(hN),
         "R": t(R), "S": t(S), "gradX": t(x.grad), "gradParams": {k: t(p.grad) for k, p in m.named_parameters()}}
    if lengths is not None: c["lengths"] = lengths
    if cN is not None: c.update({"cN": t(cN), "S2": t(S2)})
    if hx is not None: c.update({"hx": t(hx), "gradHx": t(hx.grad)})
    if cx is not None: c.update({"cx": t(cx), "gradCx": t(cx.grad)})
    cases.append(c)


for kind in ["RNN", "LSTM", "GRU"]:
    layer(f"{kind} 1 layer", kind, 3, 4, {})
    layer(f"{kind} 2 layers given state", kind, 3, 4, {"numLayers": 2}, given_state=True)
    layer(f"{kind} bidirectional batchFirst", kind, 3, 4, {"bidirectional": True, "batchFirst": True})
    layer(f"{kind} 2 layers bidirectional given state", kind, 3, 4, {"numLayers": 2, "bidirectional": True}, given_state=True)
    layer(f"{kind} no bias", kind, 3, 4, {"bias": False}, given_state=True)
    layer(f"{kind} packed unsorted", kind, 3, 4, {}, B=4, lengths=[3, 5, 1, 4])
    layer(f"{kind} packed 2 layers bidirectional batchFirst given state", kind, 3, 4,
          {"numLayers": 2, "bidirectional": True, "batchFirst": True}, B=4, lengths=[2, 5, 5, 3], given_state=True)
    layer(f"{kind} unbatched given state", kind, 3, 4, {"numLayers": 2, "bidirectional": True}, given_state=True, unbatched=True)
layer("RNN relu 2 layers", "RNN", 3, 4, {"numLayers": 2, "nonlinearity": "relu"}, given_state=True)
layer("LSTM projSize", "LSTM", 3, 5, {"projSize": 2}, given_state=True)
layer("LSTM projSize 2 layers bidirectional batchFirst", "LSTM", 3, 5, {"projSize": 3, "numLayers": 2, "bidirectional": True, "batchFirst": True}, given_state=True)
layer("LSTM projSize packed bidirectional", "LSTM", 3, 5, {"projSize": 2, "bidirectional": True}, B=4, lengths=[1, 4, 2, 5], given_state=True)

CELLS = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell}


def cell(name, kind, inp, hid, js_opts, B=3, given_state=True, unbatched=False):
    py = {"bias": js_opts.get("bias", True)}
    if "nonlinearity" in js_opts: py["nonlinearity"] = js_opts["nonlinearity"]
    m = CELLS[kind](inp, hid, **py)
    state = {k: t(v) for k, v in m.state_dict().items()}
    m = m.double()
    x = randn(*([inp] if unbatched else [B, inp])).requires_grad_()
    hs = [hid] if unbatched else [B, hid]
    hx = randn(*hs).requires_grad_() if given_state else None
    cx = randn(*hs).requires_grad_() if given_state and kind == "LSTMCell" else None
    arg = None if hx is None else ((hx, cx) if kind == "LSTMCell" else hx)
    res = m(x, arg)
    h, c = res if kind == "LSTMCell" else (res, None)
    R = randn(*h.shape)
    loss = (h * R).sum()
    S2 = None
    if c is not None:
        S2 = randn(*c.shape)
        loss = loss + (c * S2).sum()
    loss.backward()
    d = {"name": name, "kind": kind, "args": [inp, hid], "opts": js_opts, "state": state, "x": t(x), "out": t(h), "R": t(R),
         "gradX": t(x.grad), "gradParams": {k: t(p.grad) for k, p in m.named_parameters()}}
    if c is not None: d.update({"cN": t(c), "S2": t(S2)})
    if hx is not None: d.update({"hx": t(hx), "gradHx": t(hx.grad)})
    if cx is not None: d.update({"cx": t(cx), "gradCx": t(cx.grad)})
    cases.append(d)


for kind in CELLS:
    cell(f"{kind}", kind, 3, 4, {})
    cell(f"{kind} default state", kind, 3, 4, {}, given_state=False)
    cell(f"{kind} unbatched no bias", kind, 3, 4, {"bias": False}, unbatched=True)
cell("RNNCell relu", "RNNCell", 3, 4, {"nonlinearity": "relu"})

# ---- embedding bags and pretrained embeddings
bags = []


def bag(name, mode, inp, offsets=None, padding_idx=None, psw=False, include_last=False, num=7, dim=3):
    m = nn.EmbeddingBag(num, dim, mode=mode, padding_idx=padding_idx, include_last_offset=include_last)
    state = {k: t(v) for k, v in m.state_dict().items()}
    m = m.double()
    i = torch.tensor(inp)
    o = None if offsets is None else torch.tensor(offsets)
    w = randn(*i.shape).requires_grad_() if psw else None
    out = m(i, o, per_sample_weights=w)
    R = randn(*out.shape)
    (out * R).sum().backward()
    d = {"name": name, "mode": mode, "num": num, "dim": dim, "state": state, "input": t(i), "out": t(out), "R": t(R),
         "gradWeight": t(m.weight.grad)}
    if o is not None: d["offsets"] = t(o)
    if padding_idx is not None: d["paddingIdx"] = padding_idx
    if include_last: d["includeLastOffset"] = True
    if psw: d.update({"perSampleWeights": t(w), "gradPerSampleWeights": t(w.grad)})
    bags.append(d)


for mode in ["sum", "mean", "max"]:
    bag(f"{mode} offsets with an empty bag", mode, [1, 2, 4, 5, 4, 3, 2, 6], [0, 2, 2, 5])
    bag(f"{mode} 2-D bags", mode, [[1, 2, 3], [6, 5, 0]])
    bag(f"{mode} paddingIdx", mode, [2, 0, 3, 0, 0, 1, 6], [0, 3, 4], padding_idx=0)
bag("sum perSampleWeights", "sum", [1, 2, 4, 5, 3], [0, 2], psw=True)
bag("mean includeLastOffset", "mean", [1, 2, 4, 5, 3, 6], [0, 1, 4, 6], include_last=True)

# fromPretrained: the lookup and which rows get gradients
W = torch.randn(6, 3, generator=g)
emb = nn.Embedding.from_pretrained(W, freeze=False, padding_idx=2)
idx = torch.tensor([[0, 2, 5], [2, 1, 1]])
out = emb(idx)
R = torch.randn(*out.shape, generator=g)
(out * R).sum().backward()
pretrained = {"weight": t(W), "paddingIdx": 2, "input": t(idx), "out": t(out), "R": t(R), "gradWeight": t(emb.weight.grad)}

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "rnn.json")
with open(path, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases, "bags": bags, "pretrained": pretrained}, f, separators=(",", ":"))
print(f"wrote {len(cases)} rnn cases, {len(bags)} bag cases to {path} ({os.path.getsize(path) // 1024} KiB)")
