"""Fixtures for test/bert.test.ts and test/seq2seq.test.ts (issue 18), float64, torch 2.x:
- a tiny BERT (token + position + segment embeddings, LayerNorm, post-norm gelu nn.TransformerEncoder,
  MLM head tied to the token embedding, pooler + classifier) built in torch with myelin's key names:
  state dict, MLM logits and loss, classification logits and loss, gradients of every parameter;
- a tiny Seq2SeqTransformer (the PyTorch translation tutorial's model, sinusoidal table from the paper):
  teacher-forced logits, greedy decoding and beam search written here in plain Python over torch's
  log-probabilities, and a brute-force search over every target up to 3 tokens (the best
  length-normalized score), which a beam as wide as all hypotheses must find.
Writes test/fixtures/bert.json and test/fixtures/seq2seq.json.
Run: /tmp/venv-c/bin/python scripts/gen_bert_fixtures.py"""
import itertools
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(__file__)
FIX = os.path.join(HERE, '..', 'test', 'fixtures')
torch.backends.mha.set_fastpath_enabled(False)
torch.manual_seed(1818)
torch.set_default_dtype(torch.float64)


def dump(t):
    t = t.detach()
    return {'shape': list(t.shape), 'data': [round(x, 15) for x in t.double().reshape(-1).tolist()]}


# ---------------------------------------------------------------- BERT
V, H, L, NH, FF, P, TYPES = 23, 16, 2, 4, 32, 12, 2


class Emb(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(V, H, padding_idx=0)
        self.position_embeddings = nn.Embedding(P, H)
        self.token_type_embeddings = nn.Embedding(TYPES, H)
        self.LayerNorm = nn.LayerNorm(H, eps=1e-12)

    def forward(self, ids, tt):
        pos = torch.arange(ids.shape[1])
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos) + self.token_type_embeddings(tt))


class Pooler(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(H, H)

    def forward(self, h):
        return torch.tanh(self.dense(h[:, 0]))


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Emb()
        layer = nn.TransformerEncoderLayer(H, NH, FF, dropout=0.0, activation='gelu', layer_norm_eps=1e-12, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, L, enable_nested_tensor=False)
        self.pooler = Pooler()

    def forward(self, ids, tt, mask):
        return self.encoder(self.embeddings(ids, tt), src_key_padding_mask=(mask == 0))


class Transform(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(H, H)
        self.LayerNorm = nn.LayerNorm(H, eps=1e-12)

    def forward(self, x):
        return self.LayerNorm(F.gelu(self.dense(x)))


class Head(nn.Module):
    def __init__(self, emb):
        super().__init__()
        self.transform = Transform()
        self.decoder = nn.Linear(H, V)
        self.decoder.weight = emb.weight

    def forward(self, h):
        return self.decoder(self.transform(h))


class Full(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = Bert()
        self.cls = Head(self.bert.embeddings.word_embeddings)
        self.classifier = nn.Linear(H, 3)


m = Full()
with torch.no_grad():
    for p in m.parameters():
        p.copy_(torch.randn_like(p) * (0.3 if p.ndim > 1 else 0.1) + (1.0 if p.ndim == 1 and p.shape[0] == H else 0.0) * 0)
ids = torch.tensor([[2, 7, 4, 11, 4, 19, 3], [2, 5, 22, 4, 3, 0, 0]])
tt = torch.tensor([[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 0, 0]])
mask = (ids != 0).long()
labels = torch.tensor([[-100, -100, 9, -100, 13, -100, -100], [-100, -100, -100, 17, -100, -100, -100]])
cls_labels = torch.tensor([2, 0])
seq = m.bert(ids, tt, mask)
mlm = m.cls(seq)
mlm_loss = F.cross_entropy(mlm.reshape(-1, V), labels.reshape(-1), ignore_index=-100)
clf = m.classifier(m.bert.pooler(seq))
clf_loss = F.cross_entropy(clf, cls_labels)
sd = {k: dump(v) for k, v in m.state_dict().items() if not k.startswith('cls.decoder.weight')}
grads = {}
for name, loss in (('mlm', mlm_loss), ('clf', clf_loss)):
    m.zero_grad()
    loss.backward(retain_graph=True)
    grads[name] = {k: dump(p.grad) for k, p in m.named_parameters() if p.grad is not None}
bert = {
    'config': {'vocabSize': V, 'hiddenSize': H, 'numLayers': L, 'numHeads': NH, 'intermediateSize': FF, 'maxPositions': P,
               'typeVocabSize': TYPES, 'dropout': 0, 'layerNormEps': 1e-12, 'numLabels': 3},
    'state': sd, 'ids': ids.tolist(), 'tokenTypeIds': tt.tolist(), 'attentionMask': mask.tolist(), 'labels': labels.tolist(),
    'clsLabels': cls_labels.tolist(), 'sequence': dump(seq), 'mlmLogits': dump(mlm), 'mlmLoss': mlm_loss.item(),
    'clfLogits': dump(clf), 'clfLoss': clf_loss.item(), 'grads': grads,
}
with open(os.path.join(FIX, 'bert.json'), 'w') as f:
    json.dump(bert, f, separators=(',', ':'))

# ---------------------------------------------------------------- seq2seq
SV, TV, D, SNH, SFF, ML, PAD, BOS, EOS = 7, 7, 8, 2, 16, 16, 0, 1, 2


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_tok_emb = nn.Embedding(SV, D)
        self.tgt_tok_emb = nn.Embedding(TV, D)
        self.transformer = nn.Transformer(D, SNH, 1, 1, SFF, dropout=0.0, batch_first=True)
        self.generator = nn.Linear(D, TV)
        pe = torch.zeros(ML, D)
        for pos in range(ML):
            for i in range(0, D, 2):
                pe[pos, i] = math.sin(pos / 10000 ** (i / D))
                pe[pos, i + 1] = math.cos(pos / 10000 ** (i / D))
        self.register_buffer('pe', pe, persistent=False)

    def embed(self, emb, x):
        return emb(x) * math.sqrt(D) + self.pe[: x.shape[1]]

    def encode(self, src):
        pad = src == PAD
        return self.transformer.encoder(self.embed(self.src_tok_emb, src), src_key_padding_mask=pad), pad

    def decode(self, tgt, mem, pad):
        T = tgt.shape[1]
        h = self.transformer.decoder(self.embed(self.tgt_tok_emb, tgt), mem, tgt_mask=nn.Transformer.generate_square_subsequent_mask(T),
                                     tgt_is_causal=True, memory_key_padding_mask=pad, tgt_key_padding_mask=(tgt == PAD))
        return self.generator(h)


s2s = Seq2Seq()
with torch.no_grad():
    for p in s2s.parameters():
        p.copy_(torch.randn_like(p) * 0.5)
    s2s.generator.weight.mul_(3.0)   # peaked distributions: beam and greedy differ
    s2s.generator.bias[EOS] -= 1.0   # an end token less likely than the rest: targets of a few tokens
    s2s.generator.bias[PAD] -= 6.0
    s2s.generator.bias[BOS] -= 6.0
s2s.eval()
src = torch.tensor([[3, 4, 5, 6, 3], [6, 5, 4, 0, 0], [4, 4, 3, 6, 0]])
tgt_in = torch.tensor([[1, 6, 3, 5], [1, 4, 5, 6], [1, 3, 0, 0]])
logits = s2s.decode(tgt_in, *s2s.encode(src))


def step_logp(mem, pad, prefix):
    with torch.no_grad():
        out = s2s.decode(torch.tensor([prefix]), mem, pad)
        return F.log_softmax(out[0, -1], -1).tolist()


def greedy(row, max_len):
    mem, pad = s2s.encode(src[row:row + 1])
    toks = [BOS]
    for _ in range(max_len):
        lp = step_logp(mem, pad, toks)
        v = max(range(TV), key=lambda j: (lp[j], -j))
        toks.append(v)
        if v == EOS:
            break
    return toks[1:]


def beam(row, K, max_len, alpha):
    mem, pad = s2s.encode(src[row:row + 1])
    live, fin = [([BOS], 0.0)], []
    for _ in range(max_len):
        if not live or len(fin) >= K:
            break
        cand = []
        for b, (toks, s) in enumerate(live):
            lp = step_logp(mem, pad, toks)
            cand += [(s + lp[v], b, v) for v in range(TV)]
        cand.sort(key=lambda c: (-c[0], c[1], c[2]))
        nxt = []
        for s, b, v in cand[:K]:
            toks = live[b][0] + [v]
            if v == EOS:
                fin.append((toks[1:], s, s / (len(toks) - 1) ** alpha))
            else:
                nxt.append((toks, s))
        live = nxt
    if len(fin) < K:
        fin += [(t[1:], s, s / (len(t) - 1) ** alpha) for t, s in live]
    best = fin[0]
    for h in fin:
        if h[2] > best[2]:
            best = h
    return {'tokens': best[0], 'logProb': best[1], 'score': best[2]}


def brute(row, max_len, alpha):
    """Every target of 1..max_len tokens that ends in EOS (or runs to max_len) and has no EOS before its end."""
    mem, pad = s2s.encode(src[row:row + 1])
    best = None
    for n in range(1, max_len + 1):
        for body in itertools.product(range(TV), repeat=n):
            if EOS in body[:-1] or (n < max_len and body[-1] != EOS):
                continue
            toks, s = [BOS], 0.0
            for v in body:
                s += step_logp(mem, pad, toks)[v]
                toks.append(v)
            sc = s / n ** alpha
            if best is None or sc > best['score']:
                best = {'tokens': list(body), 'logProb': s, 'score': sc}
    return best


state = {k: dump(v) for k, v in s2s.state_dict().items()}
cases = []
for row in range(3):
    for K, alpha in ((1, 1.0), (2, 1.0), (3, 0.6), (4, 0.0)):
        cases.append({'row': row, 'beamSize': K, 'lengthPenalty': alpha, 'maxLen': 6, **beam(row, K, 6, alpha)})
brutes = [{'row': row, 'maxLen': 3, 'lengthPenalty': 1.0, **brute(row, 3, 1.0)} for row in range(3)]
seq2seq = {
    'config': {'srcVocab': SV, 'tgtVocab': TV, 'dModel': D, 'nhead': SNH, 'numEncoderLayers': 1, 'numDecoderLayers': 1,
               'dimFeedforward': SFF, 'dropout': 0, 'maxLen': ML, 'padId': PAD},
    'bos': BOS, 'eos': EOS, 'state': state, 'src': src.tolist(), 'tgtIn': tgt_in.tolist(), 'logits': dump(logits),
    'greedy': [greedy(r, 6) for r in range(3)], 'beams': cases, 'brute': brutes,
}
with open(os.path.join(FIX, 'seq2seq.json'), 'w') as f:
    json.dump(seq2seq, f, separators=(',', ':'))
print('greedy', seq2seq['greedy'])
for c in cases:
    print(c['row'], c['beamSize'], c['lengthPenalty'], c['tokens'], round(c['score'], 4))
print('brute', brutes)
