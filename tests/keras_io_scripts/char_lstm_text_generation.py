"""Character-level text generation in the manner of keras.io's
examples/generative/lstm_character_level_text_generation.py (Keras 3 version), written for minidl on a
repeated sentence: one-hot *boolean* arrays fed to ``fit`` (Keras casts them), an LSTM with a softmax head,
RMSprop, and temperature sampling from ``predict`` one character at a time. Not a copy of the keras.io text."""
import random

import numpy as np

from minidl import keras
from minidl.keras import layers

random.seed(0)
np.random.seed(0)
text = "to be or not to be, that is the question; whether tis nobler in the mind to suffer. " * 8
chars = sorted(set(text))
index_of = {c: i for i, c in enumerate(chars)}
window, step = 20, 3
starts = range(0, len(text) - window, step)
x = np.zeros((len(starts), window, len(chars)), dtype=bool)
y = np.zeros((len(starts), len(chars)), dtype=bool)
for row, start in enumerate(starts):
    for t, char in enumerate(text[start:start + window]):
        x[row, t, index_of[char]] = True
    y[row, index_of[text[start + window]]] = True
print("sequences:", x.shape, x.dtype)

model = keras.Sequential([keras.Input(shape=(window, len(chars))), layers.LSTM(32),
                          layers.Dense(len(chars), activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))


def sample(probabilities, temperature=1.0):
    logits = np.log(np.asarray(probabilities).astype("float64")) / temperature
    weights = np.exp(logits) / np.sum(np.exp(logits))
    return int(np.argmax(np.random.multinomial(1, weights, 1)))


for epoch in range(2):
    history = model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    print(f"epoch {epoch}: loss {history.history['loss'][0]:.3f}")
    seed_start = random.randint(0, len(text) - window - 1)
    for temperature in (0.2, 1.0):
        sentence = text[seed_start:seed_start + window]
        generated = ""
        for _ in range(12):
            encoded = np.zeros((1, window, len(chars)))
            for t, char in enumerate(sentence):
                encoded[0, t, index_of[char]] = 1.0
            next_char = chars[sample(model.predict(encoded, verbose=0)[0], temperature)]
            sentence, generated = sentence[1:] + next_char, generated + next_char
        print(f"temperature {temperature}: generated {len(generated)} characters")
