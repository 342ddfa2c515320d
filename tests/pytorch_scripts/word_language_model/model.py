"""Language models: an embedding, a recurrent stack (LSTM/GRU/RNN) or a Transformer encoder, a decoder.

Local copy, in the idiom of pytorch/examples ``word_language_model/model.py``, with only the import
lines rewritten: ``getattr(nn, rnn_type)``, tied encoder/decoder weights, ``weight.new_zeros`` hidden
states, a ``register_buffer`` positional encoding, and a model that subclasses ``nn.Transformer`` and
uses only its ``encoder`` with a ``log(tril(ones))`` causal mask.
"""
import math

import minidl as torch
import minidl.nn as nn
import minidl.nn.functional as F


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ('LSTM', 'GRU'):
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        elif rnn_type in ('RNN_TANH', 'RNN_RELU'):
            nonlinearity = rnn_type[4:].lower()
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        else:
            raise ValueError("--model must be one of LSTM, GRU, RNN_TANH, RNN_RELU, Transformer")
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('tied weights need nhid == emsize')
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def forward(self, input, hidden):
        embedded = self.drop(self.encoder(input))
        output, hidden = self.rnn(embedded, hidden)
        logits = self.decoder(self.drop(output)).view(-1, self.ntoken)
        return F.log_softmax(logits, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        shape = (self.nlayers, bsz, self.nhid)
        if self.rnn_type == 'LSTM':
            return weight.new_zeros(*shape), weight.new_zeros(*shape)
        return weight.new_zeros(*shape)


class PositionalEncoding(nn.Module):
    """Adds sin/cos position codes to (seq, batch, d_model) inputs, then dropout."""

    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        frequency = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(position * frequency)
        table[:, 1::2] = torch.cos(position * frequency)
        self.register_buffer('pe', table.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0), :])


class TransformerModel(nn.Transformer):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
        super().__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid, num_encoder_layers=nlayers)
        self.model_type = 'Transformer'
        self.src_mask = None
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)
        nn.init.uniform_(self.input_emb.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

    def causal_mask(self, size):
        return torch.log(torch.tril(torch.ones(size, size)))

    def forward(self, src, has_mask=True):
        if not has_mask:
            self.src_mask = None
        elif self.src_mask is None or self.src_mask.size(0) != len(src):
            self.src_mask = self.causal_mask(len(src)).to(src.device)
        hidden = self.pos_encoder(self.input_emb(src) * math.sqrt(self.ninp))
        output = self.encoder(hidden, mask=self.src_mask)
        return F.log_softmax(self.decoder(output), dim=-1)
