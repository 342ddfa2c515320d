"""A stand-in for ``tiktoken`` (OpenAI's BPE tokenizer, no minidl dependency): nanoGPT's ``sample.py`` imports it
but uses it only when the dataset has no ``meta.pkl``; the ported test always writes one."""


def get_encoding(name):
    """Not stood in for: the GPT-2 encodings need the real tiktoken."""
    raise NotImplementedError(f"tiktoken stand-in: no encoding {name!r} (install tiktoken for GPT-2 encodings)")
