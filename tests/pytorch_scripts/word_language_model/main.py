"""Train a word-level language model (RNN_TANH, RNN_RELU, LSTM, GRU or Transformer) with truncated BPTT.

Local copy, in the idiom of pytorch/examples ``word_language_model/main.py``, with only the import
lines rewritten: ``batchify`` with ``narrow``/``view``/``t().contiguous()``, hidden states detached
between batches, ``clip_grad_norm_`` then either AdamW or plain ``p.data.add_(p.grad, alpha=-lr)``,
the best model saved whole (``torch.save(model, f)``) and reloaded inside
``torch.serialization.safe_globals([...])`` with the classes named by their ``torch.nn.modules``
paths, ``flatten_parameters()``, and an optional ``torch.onnx.export``.
"""
import argparse
import math
import os
import time

import minidl as torch
import minidl.nn as nn
import minidl.onnx

import data
from model import PositionalEncoding, RNNModel, TransformerModel

parser = argparse.ArgumentParser(description='Word-level language model')
parser.add_argument('--data', type=str, default='./data/wikitext-2', help='folder with train/valid/test.txt')
parser.add_argument('--model', type=str, default='LSTM', help='RNN_TANH, RNN_RELU, LSTM, GRU or Transformer')
parser.add_argument('--emsize', type=int, default=200)
parser.add_argument('--nhid', type=int, default=200)
parser.add_argument('--nlayers', type=int, default=2)
parser.add_argument('--lr', type=float, default=20)
parser.add_argument('--clip', type=float, default=0.25)
parser.add_argument('--epochs', type=int, default=40)
parser.add_argument('--batch_size', type=int, default=20, metavar='N')
parser.add_argument('--bptt', type=int, default=35)
parser.add_argument('--dropout', type=float, default=0.2)
parser.add_argument('--tied', action='store_true')
parser.add_argument('--seed', type=int, default=1111)
parser.add_argument('--log-interval', type=int, default=200, metavar='N')
parser.add_argument('--save', type=str, default='model.pt')
parser.add_argument('--onnx-export', type=str, default='')
parser.add_argument('--nhead', type=int, default=2)
parser.add_argument('--dry-run', action='store_true')
parser.add_argument('--accel', action='store_true')
parser.add_argument('--use-optimizer', action='store_true', help='AdamW instead of the manual SGD update')
args = parser.parse_args()

torch.manual_seed(args.seed)
if args.accel and torch.accelerator.is_available():
    device = torch.accelerator.current_accelerator()
else:
    device = torch.device("cpu")
print("Using device:", device)

corpus = data.Corpus(args.data)


def batchify(ids, bsz):
    """(n,) token ids -> (n // bsz, bsz): bsz independent columns of consecutive text."""
    rows = ids.size(0) // bsz
    ids = ids.narrow(0, 0, rows * bsz)
    return ids.view(bsz, -1).t().contiguous().to(device)


eval_batch_size = 10
train_data = batchify(corpus.train, args.batch_size)
val_data = batchify(corpus.valid, eval_batch_size)
test_data = batchify(corpus.test, eval_batch_size)

ntokens = len(corpus.dictionary)
if args.model == 'Transformer':
    model = TransformerModel(ntokens, args.emsize, args.nhead, args.nhid, args.nlayers, args.dropout).to(device)
else:
    model = RNNModel(args.model, ntokens, args.emsize, args.nhid, args.nlayers, args.dropout, args.tied).to(device)
criterion = nn.NLLLoss()
if args.use_optimizer:
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)


def repackage_hidden(h):
    """Cut the hidden state (a Tensor or a tuple of them) from the graph of earlier batches."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i):
    seq_len = min(args.bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


def evaluate(source):
    model.eval()
    total_loss = 0.
    if args.model != 'Transformer':
        hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, source.size(0) - 1, args.bptt):
            inputs, targets = get_batch(source, i)
            if args.model == 'Transformer':
                output = model(inputs).view(-1, ntokens)
            else:
                output, hidden = model(inputs, hidden)
                hidden = repackage_hidden(hidden)
            total_loss += len(inputs) * criterion(output, targets).item()
    return total_loss / (len(source) - 1)


def train():
    model.train()
    total_loss = 0.
    start_time = time.time()
    if args.model != 'Transformer':
        hidden = model.init_hidden(args.batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, args.bptt)):
        inputs, targets = get_batch(train_data, i)
        if args.use_optimizer:
            optimizer.zero_grad()
        else:
            model.zero_grad()
        if args.model == 'Transformer':
            output = model(inputs).view(-1, ntokens)
        else:
            hidden = repackage_hidden(hidden)
            output, hidden = model(inputs, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        if args.use_optimizer:
            optimizer.step()
        else:
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
        if batch % args.log_interval == 0 and batch > 0:
            cur_loss = total_loss / args.log_interval
            elapsed = time.time() - start_time
            print('| epoch {:3d} | {:5d}/{:5d} batches | lr {:02.2f} | ms/batch {:5.2f} | loss {:5.2f} | ppl {:8.2f}'
                  .format(epoch, batch, len(train_data) // args.bptt, lr, elapsed * 1000 / args.log_interval,
                          cur_loss, math.exp(cur_loss)))
            total_loss = 0
            start_time = time.time()
        if args.dry_run:
            break


def export_onnx(path, batch_size, seq_len):
    print('The model is also exported in ONNX format at {}.'.format(os.path.realpath(args.onnx_export)))
    model.eval()
    dummy_input = torch.LongTensor(seq_len * batch_size).zero_().view(-1, batch_size).to(device)
    hidden = model.init_hidden(batch_size)
    torch.onnx.export(model, (dummy_input, hidden), path)


lr = args.lr
best_val_loss = None
try:
    for epoch in range(1, args.epochs + 1):
        epoch_start_time = time.time()
        train()
        val_loss = evaluate(val_data)
        print('-' * 89)
        print('| end of epoch {:3d} | time: {:5.2f}s | valid loss {:5.2f} | valid ppl {:8.2f}'.format(
            epoch, time.time() - epoch_start_time, val_loss, math.exp(val_loss)))
        print('-' * 89)
        if not best_val_loss or val_loss < best_val_loss:
            with open(args.save, 'wb') as f:
                torch.save(model, f)
            best_val_loss = val_loss
        else:
            lr /= 4.0  # no improvement on the validation set: anneal
except KeyboardInterrupt:
    print('-' * 89)
    print('Exiting from training early')

with open(args.save, 'rb') as f:
    if args.model == 'Transformer':
        trusted = [PositionalEncoding, TransformerModel, torch.nn.functional.relu,
                   torch.nn.modules.activation.MultiheadAttention, torch.nn.modules.container.ModuleList,
                   torch.nn.modules.dropout.Dropout, torch.nn.modules.linear.Linear,
                   torch.nn.modules.linear.NonDynamicallyQuantizableLinear,
                   torch.nn.modules.normalization.LayerNorm, torch.nn.modules.sparse.Embedding,
                   torch.nn.modules.transformer.TransformerEncoder,
                   torch.nn.modules.transformer.TransformerEncoderLayer]
    else:
        trusted = [RNNModel, torch.nn.modules.dropout.Dropout, torch.nn.modules.linear.Linear,
                   torch.nn.modules.rnn.GRU, torch.nn.modules.rnn.LSTM, torch.nn.modules.rnn.RNN,
                   torch.nn.modules.sparse.Embedding]
    with torch.serialization.safe_globals(trusted):
        model = torch.load(f)
    if args.model in ['RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU']:
        model.rnn.flatten_parameters()

test_loss = evaluate(test_data)
print('=' * 89)
print('| End of training | test loss {:5.2f} | test ppl {:8.2f}'.format(test_loss, math.exp(test_loss)))
print('=' * 89)

if len(args.onnx_export) > 0:
    export_onnx(args.onnx_export, batch_size=1, seq_len=args.bptt)
