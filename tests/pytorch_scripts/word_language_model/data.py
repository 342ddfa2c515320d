"""Word-level corpus: a vocabulary and the token ids of train/valid/test.txt.

Local copy, in the idiom of pytorch/examples ``word_language_model/data.py``, with only the import
lines rewritten.
"""
import os

import minidl as torch


class Dictionary:
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.word2idx[word] = len(self.idx2word)
            self.idx2word.append(word)
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus:
    def __init__(self, path):
        self.dictionary = Dictionary()
        self.train = self.tokenize(os.path.join(path, 'train.txt'))
        self.valid = self.tokenize(os.path.join(path, 'valid.txt'))
        self.test = self.tokenize(os.path.join(path, 'test.txt'))

    def tokenize(self, path):
        """The file's words (each line ended by '<eos>') as one int64 tensor of ids."""
        assert os.path.exists(path)
        with open(path, 'r', encoding="utf8") as f:
            lines = [line.split() + ['<eos>'] for line in f]
        per_line = [torch.tensor([self.dictionary.add_word(w) for w in words]).type(torch.int64) for words in lines]
        return torch.cat(per_line)
