"""A recommender in the manner of keras.io's examples/structured_data/collaborative_filtering_movielens.py
(Keras 3 version), written for minidl on random (user, movie, rating) triples: a subclassed
``keras.Model`` of Embedding layers with an L2 ``embeddings_regularizer``, ``ops.tensordot`` and
``ops.nn.sigmoid``, trained on int64 id pairs, then called on ``keras.Input((2,))`` and summarised.
Not a copy of the keras.io text."""
import numpy as np

from minidl import keras
from minidl.keras import layers, ops

rng = np.random.default_rng(0)
num_users, num_movies = 20, 30
pairs = np.stack([rng.integers(0, num_users, 400), rng.integers(0, num_movies, 400)], axis=1)  # int64
ratings = rng.integers(1, 11, 400) / 2.0
targets = (ratings - ratings.min()) / (ratings.max() - ratings.min())


class Recommender(keras.Model):
    def __init__(self, num_users, num_movies, size, **kwargs):
        super().__init__(**kwargs)
        self.user_vectors = layers.Embedding(num_users, size, embeddings_initializer="he_normal",
                                             embeddings_regularizer=keras.regularizers.l2(1e-6))
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_vectors = layers.Embedding(num_movies, size, embeddings_initializer="he_normal",
                                              embeddings_regularizer=keras.regularizers.l2(1e-6))
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        user, movie = inputs[:, 0], inputs[:, 1]
        match = ops.tensordot(self.user_vectors(user), self.movie_vectors(movie), 2)
        return ops.nn.sigmoid(match + self.user_bias(user) + self.movie_bias(movie))


model = Recommender(num_users, num_movies, 8)
model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=0.001))
history = model.fit(pairs[:360], targets[:360], batch_size=64, epochs=2, validation_data=(pairs[360:], targets[360:]),
                    verbose=2)
print("logged:", sorted(history.history))
model.summary()
candidates = np.hstack(([[3]] * 10, np.arange(10)[:, None]))
scores = model.predict(candidates, verbose=0).flatten()
print("top picks:", scores.argsort()[-3:][::-1].shape)

symbolic = Recommender(num_users, num_movies, 8, name="on_input")
print("symbolic output:", symbolic(keras.Input(shape=(2,))).shape)
symbolic.summary()
