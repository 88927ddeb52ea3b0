"""Runs GrowthBook's stats engine (gbstats) on the cases given as JSON on stdin; prints the results.

Each case names a test and the per-variation aggregates of the control and the variation; the
statistics are rebuilt for every case, since gbstats sets the CUPED slope on them.
"""
import json
import sys

from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)
from gbstats.utils import check_srm


def statistic(s):
    if s["kind"] == "proportion":
        return ProportionStatistic(n=s["n"], sum=s["sum"])
    if s["kind"] == "mean":
        return SampleMeanStatistic(n=s["n"], sum=s["sum"], sum_squares=s["sumSquares"])
    return RegressionAdjustedStatistic(
        n=s["n"],
        post_statistic=statistic(s["post"]),
        pre_statistic=statistic(s["pre"]),
        post_pre_sum_of_products=s["postPreSumOfProducts"],
        theta=0,
    )


def run(case):
    if case["test"] == "srm":
        return {"p": float(check_srm(case["users"], case["weights"]))}
    a, b = statistic(case["a"]), statistic(case["b"])
    if case["test"] == "bayesian":
        r = EffectBayesianABTest(a, b, EffectBayesianConfig(alpha=case["alpha"], inverse=case["inverse"])).compute_result()
        return {
            "expected": float(r.expected),
            "ci": [float(x) for x in r.ci],
            "chanceToWin": float(r.chance_to_win),
            "risk": [float(x) for x in r.risk],
            "uplift": {"mean": float(r.uplift.mean), "stddev": float(r.uplift.stddev)},
        }
    if case["test"] == "sequential":
        test = SequentialTwoSidedTTest(
            a, b, SequentialConfig(alpha=case["alpha"], sequential_tuning_parameter=case["tuning"])
        )
    else:
        test = TwoSidedTTest(a, b, FrequentistConfig(alpha=case["alpha"]))
    r = test.compute_result()
    return {
        "expected": float(r.expected),
        "ci": [float(x) for x in r.ci],
        "pValue": float(r.p_value),
        "uplift": {"mean": float(r.uplift.mean), "stddev": float(r.uplift.stddev)},
    }


print(json.dumps([run(c) for c in json.load(sys.stdin)]))
