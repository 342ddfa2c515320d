"""A sequence-to-sequence Transformer in the manner of keras.io's
examples/nlp/neural_machine_translation_with_transformer.py (Keras 3 version), written for minidl on a
made-up two-language corpus: ``TextVectorization`` (one with a custom standardization), a dataset of
``({"encoder_inputs", "decoder_inputs"}, targets)``, a positional embedding whose ``compute_mask`` marks
padding, encoder/decoder layers with ``MultiHeadAttention`` and a causal mask built with
``ops.tile(mask, <a 1-D tensor>)``, a decoder model nested in the end-to-end model, greedy decoding,
and ``model.save``/``load_model`` with ``custom_objects``. Not a copy of the keras.io text."""
import random
import re
import string

import numpy as np

from minidl import keras
from minidl.keras import layers, ops
from minidl.keras.dataset import Dataset

random.seed(0)
source_words = "i you we see like eat the a red cat dog book".split()
target_words = "yo tu nosotros veo gusta como el un rojo gato perro libro".split()
pairs = []
for _ in range(96):
    ids = [random.randrange(len(source_words)) for _ in range(random.randint(2, 5))]
    pairs.append((" ".join(source_words[i] for i in ids) + ".",
                  "[start] ¿" + " ".join(target_words[i] for i in ids) + "? [end]"))
train_pairs, val_pairs, test_pairs = pairs[:64], pairs[64:80], pairs[80:]

sequence_length, vocab_size, batch_size = 8, 40, 16
punctuation = re.escape((string.punctuation + "¿").replace("[", "").replace("]", ""))


def lower_and_strip(texts):  # a NumPy stand-in for the tf.strings standardization of the original
    return np.array([re.sub(f"[{punctuation}]", "", str(t).lower()) for t in np.asarray(texts).ravel()])


source_vectorizer = layers.TextVectorization(max_tokens=vocab_size, output_sequence_length=sequence_length)
target_vectorizer = layers.TextVectorization(max_tokens=vocab_size, output_sequence_length=sequence_length + 1,
                                             standardize=lower_and_strip)
source_vectorizer.adapt([p[0] for p in train_pairs])
target_vectorizer.adapt([p[1] for p in train_pairs])


def to_model_inputs(source, target):
    source, target = source_vectorizer(source), target_vectorizer(target)
    return {"encoder_inputs": source, "decoder_inputs": target[:, :-1]}, target[:, 1:]


def make_dataset(some_pairs):
    sources, targets = zip(*some_pairs)
    ds = Dataset.from_tensor_slices((np.array(sources), np.array(targets))).batch(batch_size)
    return ds.map(to_model_inputs).cache().shuffle(64).prefetch(4)


train_ds, val_ds = make_dataset(train_pairs), make_dataset(val_pairs)
for inputs, targets in train_ds.take(1):
    print("batch shapes:", tuple(inputs["encoder_inputs"].shape), tuple(inputs["decoder_inputs"].shape),
          tuple(targets.shape))


class PositionalEmbedding(layers.Layer):
    def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.tokens = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.positions = layers.Embedding(input_dim=sequence_length, output_dim=embed_dim)
        self.sequence_length, self.vocab_size, self.embed_dim = sequence_length, vocab_size, embed_dim

    def call(self, inputs):
        return self.tokens(inputs) + self.positions(ops.arange(0, ops.shape(inputs)[-1], 1))

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs, 0)

    def get_config(self):
        return dict(super().get_config(), sequence_length=self.sequence_length, vocab_size=self.vocab_size,
                    embed_dim=self.embed_dim)


class Encoder(layers.Layer):
    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.dense_dim, self.num_heads = embed_dim, dense_dim, num_heads
        self.attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.projection = keras.Sequential([layers.Dense(dense_dim, activation="relu"), layers.Dense(embed_dim)])
        self.norm_1, self.norm_2 = layers.LayerNormalization(), layers.LayerNormalization()
        self.supports_masking = True

    def call(self, inputs, mask=None):
        padding = None if mask is None else ops.cast(mask[:, None, :], dtype="int32")
        attended = self.norm_1(inputs + self.attention(query=inputs, value=inputs, key=inputs,
                                                       attention_mask=padding))
        return self.norm_2(attended + self.projection(attended))

    def get_config(self):
        return dict(super().get_config(), embed_dim=self.embed_dim, dense_dim=self.dense_dim,
                    num_heads=self.num_heads)


class Decoder(layers.Layer):
    def __init__(self, embed_dim, latent_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.latent_dim, self.num_heads = embed_dim, latent_dim, num_heads
        self.self_attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.cross_attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.projection = keras.Sequential([layers.Dense(latent_dim, activation="relu"), layers.Dense(embed_dim)])
        self.norms = [layers.LayerNormalization() for _ in range(3)]
        self.supports_masking = True

    def causal_mask(self, inputs):
        shape = ops.shape(inputs)
        rows, cols = ops.arange(shape[1])[:, None], ops.arange(shape[1])
        mask = ops.reshape(ops.cast(rows >= cols, dtype="int32"), (1, shape[1], shape[1]))
        repeats = ops.concatenate([ops.expand_dims(shape[0], -1), ops.convert_to_tensor([1, 1])], axis=0)
        return ops.tile(mask, repeats)

    def call(self, inputs, encoder_outputs, mask=None):
        causal = self.causal_mask(inputs)
        padding = None
        if mask is not None:
            padding = ops.minimum(ops.cast(mask[:, None, :], dtype="int32"), causal)
        x = self.norms[0](inputs + self.self_attention(query=inputs, value=inputs, key=inputs, attention_mask=causal))
        x = self.norms[1](x + self.cross_attention(query=x, value=encoder_outputs, key=encoder_outputs,
                                                   attention_mask=padding))
        return self.norms[2](x + self.projection(x))

    def get_config(self):
        return dict(super().get_config(), embed_dim=self.embed_dim, latent_dim=self.latent_dim,
                    num_heads=self.num_heads)


embed_dim, latent_dim, num_heads = 16, 32, 2
encoder_inputs = keras.Input(shape=(None,), dtype="int64", name="encoder_inputs")
encoder_outputs = Encoder(embed_dim, latent_dim, num_heads)(
    PositionalEmbedding(sequence_length, vocab_size, embed_dim)(encoder_inputs))
decoder_inputs = keras.Input(shape=(None,), dtype="int64", name="decoder_inputs")
state_inputs = keras.Input(shape=(None, embed_dim), name="decoder_state_inputs")
x = Decoder(embed_dim, latent_dim, num_heads)(PositionalEmbedding(sequence_length, vocab_size, embed_dim)(decoder_inputs),
                                              state_inputs)
decoder_outputs = layers.Dense(vocab_size, activation="softmax")(layers.Dropout(0.5)(x))
decoder = keras.Model([decoder_inputs, state_inputs], decoder_outputs)
transformer = keras.Model([encoder_inputs, decoder_inputs], decoder([decoder_inputs, encoder_outputs]),
                          name="transformer")
transformer.summary()
transformer.compile("rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = transformer.fit(train_ds, epochs=2, validation_data=val_ds, verbose=2)
print("logged:", sorted(history.history))

vocabulary = dict(enumerate(target_vectorizer.get_vocabulary()))


def translate(sentence):
    source = source_vectorizer([sentence])
    decoded = "[start]"
    for i in range(sequence_length):
        target = target_vectorizer([decoded])[:, :-1]
        predictions = transformer([source, target])
        token = vocabulary.get(int(ops.convert_to_numpy(ops.argmax(predictions[0, i, :]))), "[UNK]")
        decoded += " " + token
        if token == "[end]":
            break
    return decoded


print("translation starts with [start]:", translate(test_pairs[0][0]).startswith("[start]"))
transformer.save("translator.keras")
restored = keras.models.load_model("translator.keras", custom_objects={
    "PositionalEmbedding": PositionalEmbedding, "Encoder": Encoder, "Decoder": Decoder})
source, target = source_vectorizer(["i see the cat."]), target_vectorizer(["[start] yo"])[:, :-1]
gap = np.abs(ops.convert_to_numpy(restored([source, target])) - ops.convert_to_numpy(transformer([source, target])))
print("reloaded max difference:", float(gap.max()))
