"""A stand-in for the few pieces of gymnasium the DQN tutorial and pytorch/examples' reinforcement_learning use
(``gym.make("CartPole-v1", render_mode=None)``, ``reset``, ``step``, ``action_space.n``/``sample()``,
``spec.reward_threshold``): CartPole-v1's dynamics, bounds, 500-step limit, reward threshold (475) and float32
observation arrays as gymnasium's ``CartPoleEnv`` defines them, in plain Python. Only the tests put this folder on
``PYTHONPATH``."""
import math
import random
from types import SimpleNamespace

import numpy as np


class Discrete:
    """``gymnasium.spaces.Discrete(n)``: ``n`` and ``sample()``."""

    def __init__(self, n):
        self.n = n
        self._rng = random.Random()

    def seed(self, seed):
        self._rng.seed(seed)

    def sample(self):
        return self._rng.randrange(self.n)


class CartPoleEnv:
    """Cart-pole balancing: observation (x, x_dot, theta, theta_dot), reward 1 a step."""

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold_radians, x_threshold, max_episode_steps = 12 * 2 * math.pi / 360, 2.4, 500

    def __init__(self, render_mode=None):
        self.render_mode = render_mode
        self.spec = SimpleNamespace(id="CartPole-v1", reward_threshold=475.0, max_episode_steps=500)
        self.action_space = Discrete(2)
        self._rng = random.Random()
        self.state = None

    def reset(self, seed=None):
        if seed is not None:
            self._rng.seed(seed)
            self.action_space.seed(seed)
        self.state = [self._rng.uniform(-0.05, 0.05) for _ in range(4)]
        self.steps = 0
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * xacc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc
        self.state = [x, x_dot, theta, theta_dot]
        self.steps += 1
        terminated = abs(x) > self.x_threshold or abs(theta) > self.theta_threshold_radians
        truncated = self.steps >= self.max_episode_steps
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated, {}


def make(env_id, render_mode=None):
    """``gymnasium.make``: only ``"CartPole-v1"``, not rendered."""
    if env_id != "CartPole-v1":
        raise ValueError(f"this stand-in only has CartPole-v1, not {env_id!r}")
    if render_mode is not None:
        raise ValueError("this stand-in does not render")
    return CartPoleEnv(render_mode)
