"""Portable known-answer tests of the presence emission model (pytest and MicroPython).

Each estimator test module runs in its own interpreter in the 64K run; helpers and
the two-room venue are in tests/portable/presence_support.py.
"""

from presence_support import _venue, i, unload


def test_emission_apply_hand_computed():
    from iotedge.core.presence_emission import EmissionModel
    from iotedge.core.presence_math import ln

    try:
        em = EmissionModel(_venue(), temper=1.0)
        em.ec = [1.0, 1.0]  # no silence evidence, to keep the arithmetic by hand
        post = [0.25, 0.25, 0.5]
        em.apply(post, {0: ln(3.0)})
        # factors (3, 1, 1): (0.75, 0.25, 0.5) / 1.5
        assert [i(p) for p in post] == [5000, 1667, 3333]
        # a weight raises the factors to it: (3, 1, 1) ** 0.5 on the same prior
        post = [0.25, 0.25, 0.5]
        factors = em.apply(post, {0: ln(9.0)}, 0.5)
        assert [i(f / factors[2]) for f in factors] == [30000, 10000, 10000]
        assert [i(p) for p in post] == [5000, 1667, 3333]
        # a strong reading at ga scores room a above b
        scores = em.scores([(0, -70.0)])
        assert scores[0] > scores[1]
    finally:
        unload()


def test_emission_occlusion_keeps_a_buried_badge_in_its_room():
    """Three gateways in room a, one in b. A badge believed in a (0.95) is heard
    by one of a's gateways 8.5 dB below what a predicts and missed by the other
    two: the plain model (occlusion_share 0) sends it to none, the default
    mixture (a burst buried by the crowd, 8 dB, 20 %) keeps it in a."""
    from iotedge.core.presence_emission import EmissionModel
    from iotedge.core.presence_venue import Venue

    try:
        venue = Venue(
            {
                "rooms": ["a", "b"],
                "adjacent": [["a", "b"]],
                "gateways": {
                    "a1": {"room": "a"},
                    "a2": {"room": "a"},
                    "a3": {"room": "a"},
                    "b1": {"room": "b"},
                },
            }
        )
        best = []
        for share in (0.0, 0.2):
            em = EmissionModel(venue, occlusion_share=share)
            for g in range(4):
                em.lines[g].a += 12.0  # a learned, strong line
                em.refresh(g, True)
            mu = em._tab[0][0][0]  # a1's expected reading in a
            post = [0.95, 0.03, 0.02]
            em.apply(post, em.scores([(0, mu - 8.5)]))
            best.append(post.index(max(post)))
        assert best == [2, 0]
    finally:
        unload()
