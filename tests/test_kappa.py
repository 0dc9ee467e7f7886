"""Cohen's kappa on fixtures whose value was worked out by hand, and per rubric from two graders'
scores."""

import math

import pytest

from shegong.trainer.kappa import band, cohen_kappa

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures


def test_two_category_textbook_table():
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
    # p_o = 35/50 = 0.70; p_e = 0.5·0.6 + 0.5·0.4 = 0.50; κ = 0.20/0.50 = 0.40
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.40)
    assert band(0.40, "en") == "fair" and band(0.41, "zh") == "中等"


def test_rubric_levels_zero_one_two():
    # p_o = 8/10; both raters use 0:2, 1:4, 2:4 → p_e = (4+16+16)/100 = 0.36; κ = 0.44/0.64 = 0.6875
    a = [0, 1, 2, 2, 1, 0, 2, 1, 1, 2]
    b = [0, 1, 2, 1, 1, 0, 2, 2, 1, 2]
    assert cohen_kappa(a, b) == pytest.approx(0.6875)


def test_edge_cases():
    assert cohen_kappa([1, 1, 1], [1, 1, 1]) == 1.0
    assert math.isnan(cohen_kappa([], []))
    assert cohen_kappa([0, 1], [1, 0]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="pair the same items"):
        cohen_kappa([1], [1, 2])


def test_agreement_per_rubric_from_two_graders(store, modules, assessments, trainee_factory):
    from shegong.trainer import marking as M
    from shegong.training import assessment as A
    from shegong.training.roles import grant

    a = assessments["m01-final"]
    subs = []
    for i in range(4):
        t = trainee_factory(f"k{i}")
        subs.append(
            A.submit(store, t, a, modules["m01-ethics"], {"s04": {"text": f"回答 {i}"}}, seconds=5)
        )
    g1, g2 = grant(store, "li", "trainer"), grant(store, "wang", "trainer")
    criteria = M.queue(store, g1, assessments, modules)[0].criteria
    ratings_a = [(2, 2, 1), (1, 1, 0), (2, 1, 1), (0, 0, 0)]
    ratings_b = [(2, 2, 1), (1, 2, 0), (2, 1, 0), (0, 0, 0)]
    for sub, ra, rb in zip(subs, ratings_a, ratings_b, strict=True):
        M.score_open(
            store,
            g1,
            sub,
            "s04",
            dict(zip(("refuse", "reason", "alternative"), ra, strict=True)),
            criteria,
        )
        M.score_open(
            store,
            g2,
            sub,
            "s04",
            dict(zip(("refuse", "reason", "alternative"), rb, strict=True)),
            criteria,
        )
    got = M.agreement(store, "m01-final", "s04")
    # 12 (answer, criterion) pairs, 10 agree: p_o = 5/6; A uses 0:4 1:5 2:3, B 0:5 1:3 2:4
    # p_e = (20+15+12)/144 = 47/144; κ = (120−47)/(144−47) = 73/97
    assert (got.answers, got.ratings) == (4, 12)
    assert got.kappa == pytest.approx(73 / 97)
    assert got.per_criterion == pytest.approx({"refuse": 1.0, "reason": 7 / 11, "alternative": 0.5})
    assert set(got.graders) == {store.pseudonym(g1.login), store.pseudonym(g2.login)}
