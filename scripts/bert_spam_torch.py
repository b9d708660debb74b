# Torch twin of myelin's bert-spam recipe (ts/train/bert_recipes.ts), for a baseline only: the same model (HF BERT's
# embeddings, a post-norm gelu nn.TransformerEncoder, tied MLM head, [CLS] pooler), masking, AdamW and warmup + linear
# decay, on the split dumped by scripts/bert_spam_dump.js; its own random draws. init=FILE.safetensors starts the
# pretrained arm from myelin's bert.* weights instead. Run:
#   python scripts/bert_spam_torch.py /tmp/spam_all_64.json hidden=64 layers=2 bs=32 pre=600 ft=200 lrp=1e-3 lrf=5e-4 warm=0.1
import json, sys, math, time, torch, torch.nn as nn, torch.nn.functional as F
a = dict(arg.split('=') for arg in sys.argv[2:])
d = json.load(open(sys.argv[1]))
H = int(a.get('hidden', 32)); L = int(a.get('layers', 1)); bs = int(a.get('bs', 16))
pre = int(a.get('pre', 40)); ft = int(a.get('ft', 60)); lrp = float(a.get('lrp', 5e-4)); lrf = float(a.get('lrf', 2e-4))
warm = float(a.get('warm', 0)); torch.set_num_threads(1)
V = d['V']; maxLen = max(len(r) for r in d['tr'] + d['te'])
class Bert(nn.Module):
    def __init__(s):
        super().__init__()
        s.word = nn.Embedding(V, H, padding_idx=0); s.pos = nn.Embedding(maxLen, H); s.typ = nn.Embedding(2, H)
        s.ln = nn.LayerNorm(H, eps=1e-12); s.drop = nn.Dropout(0.1)
        s.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(H, 4, 4 * H, 0.1, 'gelu', batch_first=True, layer_norm_eps=1e-12), L, enable_nested_tensor=False)
        s.pool = nn.Linear(H, H)
    def forward(s, ids, mask):
        S = ids.shape[1]; p = torch.arange(S)
        h = s.drop(s.ln(s.word(ids) + s.pos(p) + s.typ(torch.zeros_like(ids))))
        return s.enc(h, src_key_padding_mask=(mask == 0))
def binit(m):
    for n, p in m.named_parameters():
        if n.endswith('ln.weight') or ('norm' in n and n.endswith('weight')): nn.init.ones_(p)
        elif p.dim() == 1: nn.init.zeros_(p)
        else: nn.init.normal_(p, 0, 0.02)
    with torch.no_grad(): m.word.weight[0].zero_()
class MLM(nn.Module):
    def __init__(s):
        super().__init__(); s.bert = Bert(); binit(s.bert)
        s.dense = nn.Linear(H, H); s.ln = nn.LayerNorm(H, eps=1e-12); s.bias = nn.Parameter(torch.zeros(V))
        nn.init.normal_(s.dense.weight, 0, 0.02); nn.init.zeros_(s.dense.bias)
    def forward(s, ids, mask, sel):
        h = s.bert(ids, mask).reshape(-1, H)[sel]
        h = s.ln(F.gelu(s.dense(h))); return h @ s.bert.word.weight.t() + s.bias
class Clf(nn.Module):
    def __init__(s):
        super().__init__(); s.bert = Bert(); binit(s.bert); s.drop = nn.Dropout(0.1); s.cls = nn.Linear(H, 2)
        nn.init.normal_(s.cls.weight, 0, 0.02); nn.init.zeros_(s.cls.bias)
    def forward(s, ids, mask):
        return s.cls(s.drop(torch.tanh(s.bert.pool(s.bert(ids, mask)[:, 0]))))
def pad(rows, fill=0):
    S = max(len(r) for r in rows); ids = torch.full((len(rows), S), fill, dtype=torch.long); m = torch.zeros((len(rows), S), dtype=torch.long)
    for i, r in enumerate(rows): ids[i, :len(r)] = torch.tensor(r); m[i, :len(r)] = 1
    return ids, m
tr, te, trY, teY = d['tr'], d['te'], d['trY'], d['teY']
def batches(g):
    while True:
        torch.randperm(len(tr), generator=g)   # a spare draw per epoch, kept so the figures in the README reproduce
        perm = torch.randperm(len(tr), generator=g).tolist()
        for k in range(0, len(tr) - bs + 1, bs): yield perm[k:k + bs]
def sched(opt, lr, s, n):
    # linear warmup over warm*n steps, then linear decay to 0 (BERT's schedule) when warm > 0
    if warm > 0:
        w = max(1, int(warm * n)); opt.param_groups[0]['lr'] = lr * ((s + 1) / w if s < w else max(0.0, (n - s) / (n - w)))
SEED = int(a.get('seed', 0)); torch.manual_seed(SEED); t0 = time.time()
mlm = MLM(); opt = torch.optim.AdamW(mlm.parameters(), lr=lrp, weight_decay=0.01); g = torch.Generator().manual_seed(12 + SEED); it = batches(g)
mg = torch.Generator().manual_seed(11 + SEED); losses = []
for s in range(pre):
    rows = [tr[i] for i in next(it)]; ids, m = pad(rows); y = torch.full_like(ids, -100)
    ch = (torch.rand(ids.shape, generator=mg) < 0.15) & (ids > 4); y[ch] = ids[ch]
    u = torch.rand(ids.shape, generator=mg); x = ids.clone(); x[ch & (u < 0.8)] = 4
    rnd = ch & (u >= 0.8) & (u < 0.9); x[rnd] = torch.randint(5, V, (int(rnd.sum()),), generator=mg)
    sched(opt, lrp, s, pre)
    sel = (y.reshape(-1) != -100).nonzero().squeeze(1)
    loss = F.cross_entropy(mlm(x, m, sel), y.reshape(-1)[sel]); opt.zero_grad(); loss.backward(); opt.step(); losses.append(loss.item())
k = min(20, max(1, len(losses)))
if pre: print(f'MLM {pre} steps: loss {sum(losses[:k])/k:.3f} -> {sum(losses[-k:])/k:.3f} ({time.time()-t0:.0f}s)')
def finetune(pretrained):
    torch.manual_seed(SEED + 1); c = Clf()
    if pretrained and a.get('init'):
        # myelin's pretrained bert.* state mapped onto the twin's names
        from safetensors.torch import load_file
        st = load_file(a['init']); ren = {'embeddings.word_embeddings': 'word', 'embeddings.position_embeddings': 'pos', 'embeddings.token_type_embeddings': 'typ',
            'embeddings.LayerNorm': 'ln', 'encoder.': 'enc.', 'pooler.dense': 'pool'}
        sd = {}
        for k, v in st.items():
            for x, y in ren.items(): k = k.replace(x, y)
            sd[k] = v.float()
        print('loaded myelin weights:', c.bert.load_state_dict(sd, strict=True))
    elif pretrained: c.bert.load_state_dict(mlm.bert.state_dict())
    opt = torch.optim.AdamW(c.parameters(), lr=lrf, weight_decay=0.01); it = batches(torch.Generator().manual_seed(13 + SEED)); ls = []
    for s in range(ft):
        b = next(it); ids, m = pad([tr[i] for i in b]); sched(opt, lrf, s, ft)
        loss = F.cross_entropy(c(ids, m), torch.tensor([trY[i] for i in b])); opt.zero_grad(); loss.backward(); opt.step(); ls.append(loss.item())
    c.eval()
    with torch.no_grad(): ids, m = pad(te); pred = c(ids, m).argmax(1).tolist()
    tp = sum(p == 1 and y == 1 for p, y in zip(pred, teY)); fp = sum(p == 1 and y == 0 for p, y in zip(pred, teY)); fn = sum(p == 0 and y == 1 for p, y in zip(pred, teY))
    acc = sum(p == y for p, y in zip(pred, teY)) / len(teY); f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    k = min(20, len(ls))
    print(f"{'pretrained' if pretrained else 'scratch   '}: ft loss {sum(ls[:k])/k:.4f} -> {sum(ls[-k:])/k:.4f}  acc {acc*100:.2f}%  F1 {f1:.4f}")
finetune(True); finetune(False)
print('majority', max(sum(teY), len(teY) - sum(teY)) / len(teY), 'total', f'{time.time()-t0:.0f}s')
