"""Sample words from a model that main.py saved, one token at a time.

Local copy, in the idiom of pytorch/examples ``word_language_model/generate.py``, with only the import
lines rewritten: the checkpoint loads inside ``torch.serialization.safe_globals``, the next word is drawn
with ``torch.multinomial`` from ``output.div(temperature).exp()``.
"""
import argparse

import minidl as torch

import data
from model import PositionalEncoding, RNNModel, TransformerModel

parser = argparse.ArgumentParser(description='Generate text from a trained language model')
parser.add_argument('--data', type=str, default='./data/wikitext-2')
parser.add_argument('--checkpoint', type=str, default='./model.pt')
parser.add_argument('--outf', type=str, default='generated.txt')
parser.add_argument('--words', type=int, default='1000')
parser.add_argument('--seed', type=int, default=1111)
parser.add_argument('--temperature', type=float, default=1.0)
parser.add_argument('--log-interval', type=int, default=100)
parser.add_argument('--accel', action='store_true', default=False)
args = parser.parse_args()

torch.manual_seed(args.seed)
device = torch.accelerator.current_accelerator() if args.accel and torch.accelerator.is_available() \
    else torch.device("cpu")
if args.temperature < 1e-3:
    parser.error("--temperature has to be greater or equal 1e-3.")

trusted = [PositionalEncoding, RNNModel, TransformerModel, torch.nn.functional.relu,
           torch.nn.modules.activation.MultiheadAttention, torch.nn.modules.container.ModuleList,
           torch.nn.modules.dropout.Dropout, torch.nn.modules.linear.Linear,
           torch.nn.modules.linear.NonDynamicallyQuantizableLinear, torch.nn.modules.normalization.LayerNorm,
           torch.nn.modules.sparse.Embedding, torch.nn.modules.rnn.GRU, torch.nn.modules.rnn.LSTM,
           torch.nn.modules.rnn.RNN, torch.nn.modules.transformer.TransformerEncoder,
           torch.nn.modules.transformer.TransformerEncoderLayer]
with open(args.checkpoint, 'rb') as f:
    with torch.serialization.safe_globals(trusted):
        model = torch.load(f, map_location=device)
model.eval()

corpus = data.Corpus(args.data)
ntokens = len(corpus.dictionary)
is_transformer = getattr(model, 'model_type', None) == 'Transformer'
if not is_transformer:
    hidden = model.init_hidden(1)
input = torch.randint(ntokens, (1, 1), dtype=torch.long).to(device)

with open(args.outf, 'w') as outf:
    with torch.no_grad():
        for i in range(args.words):
            if is_transformer:
                output = model(input, False)
                weights = output[-1].squeeze().div(args.temperature).exp().cpu()
                word_idx = torch.multinomial(weights, 1)[0]
                input = torch.cat([input, torch.Tensor([[word_idx]]).long().to(device)], 0)
            else:
                output, hidden = model(input, hidden)
                weights = output.squeeze().div(args.temperature).exp().cpu()
                word_idx = torch.multinomial(weights, 1)[0]
                input.fill_(word_idx)
            outf.write(corpus.dictionary.idx2word[word_idx] + ('\n' if i % 20 == 19 else ' '))
            if i % args.log_interval == 0:
                print('| Generated {}/{} words'.format(i, args.words))
