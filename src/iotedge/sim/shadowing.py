"""Spatially correlated log-normal shadowing: one correlated grid per gateway.

Gudmundson's model gives shadowing an exponential autocorrelation over the
receiver's position, ``rho(d) = exp(-d / d_corr)``. We draw it on a grid with a
separable first-order autoregression: each row is an AR(1) sequence along x, and
the rows are chained by an AR(1) along y, so grid values have exactly unit
variance and correlation ``exp(-(|dx| + |dy|) / d_corr)`` (the Manhattan-distance
form of Gudmundson's exponential; it equals it along the axes and decays a little
faster on diagonals). Between grid points we interpolate bilinearly and divide by
the interpolation's own standard deviation, so every position, not only grid
points, has exactly the configured shadowing std.
"""

from __future__ import annotations

import math
import random


class ShadowField:
    """Zero-mean Gaussian field (dB) with std ``sigma_db`` over a rectangle.

    Positions outside the rectangle take the value of the nearest edge.
    """

    def __init__(
        self,
        rng: random.Random,
        bounds: tuple[float, float, float, float],
        sigma_db: float,
        corr_m: float,
        grid_m: float,
    ) -> None:
        x0, y0, x1, y1 = bounds
        self.x0, self.y0, self.step = x0, y0, grid_m
        self.nx = math.ceil((x1 - x0) / grid_m) + 1
        self.ny = math.ceil((y1 - y0) / grid_m) + 1
        self.sigma = sigma_db
        rho = math.exp(-grid_m / corr_m)
        self.rho = rho
        innov = math.sqrt(1.0 - rho * rho)
        gauss = rng.gauss
        rows: list[list[float]] = []
        above: list[float] | None = None
        for _ in range(self.ny):
            row = [0.0] * self.nx
            v = gauss(0.0, 1.0)
            row[0] = v
            for i in range(1, self.nx):
                v = rho * v + innov * gauss(0.0, 1.0)
                row[i] = v
            if above is not None:
                # Chain rows: stationary AR(1) along y of independent AR(1) rows along x.
                row = [rho * a + innov * r for a, r in zip(above, row, strict=True)]
            rows.append(row)
            above = row
        self.rows = rows

    def value(self, x: float, y: float) -> float:
        """Shadowing in dB at (x, y)."""
        fx = (x - self.x0) / self.step
        fy = (y - self.y0) / self.step
        fx = min(max(fx, 0.0), self.nx - 1.000001)
        fy = min(max(fy, 0.0), self.ny - 1.000001)
        i = int(fx)
        j = int(fy)
        tx = fx - i
        ty = fy - j
        r0 = self.rows[j]
        r1 = self.rows[j + 1]
        top = (1.0 - tx) * r0[i] + tx * r0[i + 1]
        bottom = (1.0 - tx) * r1[i] + tx * r1[i + 1]
        v = (1.0 - ty) * top + ty * bottom
        # Variance of a bilinear blend of correlated unit-variance corners (separable).
        rho = self.rho
        vx = (1.0 - tx) ** 2 + tx * tx + 2.0 * tx * (1.0 - tx) * rho
        vy = (1.0 - ty) ** 2 + ty * ty + 2.0 * ty * (1.0 - ty) * rho
        return self.sigma * v / math.sqrt(vx * vy)
