"""Expected room occupancy from per-badge posteriors, with an interval.

Each badge b is in room r with probability p_b(r), independently of the others
given the data, so the head count of room r is Poisson-binomial:

    E[N_r] = sum_b p_b(r)          Var[N_r] = sum_b p_b(r) (1 - p_b(r))

and the interval is the normal approximation ``E +- z sqrt(Var)`` clipped at 0.
A count of best guesses would throw the uncertainty away (and under-count rooms
whose badges are uncertain); the sum of posteriors does not.

The totals are kept incrementally: the estimator subtracts a badge's posterior
before changing it and adds it back after, so ``occupancy()`` costs O(rooms).
"""


class Occupancy:
    def __init__(self, n_rooms: int) -> None:
        self.n_rooms = n_rooms
        self.mean = [0.0] * n_rooms
        self.var = [0.0] * n_rooms

    def add(self, post: list[float], sign: float = 1.0) -> None:
        """Add (sign 1) or remove (sign -1) one badge's posterior."""
        mean = self.mean
        var = self.var
        for r in range(self.n_rooms):
            p = post[r]
            if p != 0.0:
                mean[r] += sign * p
                var[r] += sign * p * (1.0 - p)

    def interval(self, room: int, z: float = 1.96) -> tuple[float, float, float]:
        """(expected, low, high) head count of a room."""
        m = self.mean[room]
        if m < 0.0:
            m = 0.0  # float round-off after many add/remove pairs
        v = self.var[room]
        half = z * v**0.5 if v > 0.0 else 0.0
        lo = m - half
        return (m, lo if lo > 0.0 else 0.0, m + half)
