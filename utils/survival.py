"""Survival of the course's cases next to published series: time-to-event tables and constant-hazard models.

Everything here is in **months** (30.44 days, as in ``casedata/README.md``) and takes plain
values or the tables of :mod:`utils.casedata`; nothing prints, nothing is read off a figure.

Three groups of functions:

* **the cases as survival data**: :func:`time_to_event` turns the milestones of
  ``events.csv`` into one row per case (time from a chosen origin to death or last contact,
  and whether the patient died: ``event`` 1, or was alive, so censored: ``event`` 0);
  :func:`times_from_origins` does it for every origin; :func:`single_case_series` adds the
  single published cases of ``literature_survival.csv``.
* **the published series**: :func:`forest_table` (median with its 95% CI, or the range where
  that is all there is), :func:`cohort_comparison` (where each case sits under each
  cohort's constant-hazard model) and :func:`median_ci_probabilities` (how much that moves
  within the CI of the median).
* **published prognostic factors** (``prognostic_factors.csv``): :func:`prognostic_factor`,
  :func:`describe_factor`, :func:`counts_against_factor` and :func:`flag_cutoff` (which
  measured values lie on the adverse side of a cut-off) and :func:`cutoff_by_case`.
* **the constant-hazard (exponential) MODEL**, plain and fast so a widget can call it on
  every slider move: :func:`exponential_survival`, :func:`exponential_time_at_survival`,
  :func:`hazard_from_median`, :func:`median_with_hazard_ratio`.
* **prognosis in words** (models again): :func:`prognosis_scenarios` turns a median into a
  worst-case, typical and best-case time, by the simple multiples of Kiely et al. 2011 or by the
  constant-hazard model (:data:`PROGNOSIS_SCENARIOS`, :func:`scenario_multiples`);
  :func:`prognosis_table` does it for every published series, and :func:`prognosis_words` says
  it the way one would to a patient (:func:`time_in_words`).

Kaplan-Meier estimates are never computed here by hand: :func:`kaplan_meier` wraps
``lifelines.KaplanMeierFitter`` and :func:`km_summary` reads its median and confidence limits.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from utils import timeline
from utils.casedata import DAYS_PER_MONTH
from utils.vocabulary import ORIGIN_LABELS

#: The clocks a survival time can start from (milestones in events.csv), and how they read.
ORIGINS: dict[str, str] = ORIGIN_LABELS

#: Milestones that end follow-up: death is an event, last contact (alive) is censoring.
END_MILESTONES: dict[str, int] = {"death": 1, "last_contact": 0}

#: How a published time origin (free text in literature_survival.csv) is classed.
ORIGIN_CLASSES: dict[str, str] = {
    "bmm_diagnosis": "from marrow-metastasis diagnosis",
    "treatment_start": "from start of treatment",
    "not_stated": "origin not stated",
    "other": "other origin",
}

#: What to do with a published single case whose outcome (dead or alive) is not stated.
UnknownOutcome = Literal["censored", "death", "excluded"]


# The constant-hazard (exponential) model --------------------------------------------------
def _check_median(median: float) -> float:
    if isinstance(median, bool) or not isinstance(median, (int, float, np.integer, np.floating)):
        raise TypeError(f"median must be a number of months, got {median!r}")
    if not math.isfinite(median) or median <= 0:
        raise ValueError(f"median survival must be a positive, finite number of months, got {median}")
    return float(median)


def hazard_from_median(median: float) -> float:
    """MODEL: the constant monthly hazard whose survival curve halves at ``median`` months (ln 2 / median)."""
    return math.log(2) / _check_median(median)


def exponential_survival(t: float | np.ndarray, median: float) -> float | np.ndarray:
    """MODEL: probability of surviving at least ``t`` months under a constant hazard with this median.

    ``S(t) = 2 ** (-t / median)``: a half survive to the median, a quarter to twice the median.
    ``t`` may be a number or an array (for curves); times must not be negative.

    >>> exponential_survival(38, 19)
    0.25
    """
    median = _check_median(median)
    times = np.asarray(t, dtype=float)
    if np.isnan(times).any() or (times < 0).any():
        raise ValueError(f"times must be months from the origin (0 or more), got {t!r}")
    survival = np.exp2(-times / median)
    return float(survival) if survival.ndim == 0 else survival


def exponential_time_at_survival(surviving: float, median: float) -> float:
    """MODEL: the time (months) by which the surviving fraction has fallen to ``surviving``.

    The inverse of :func:`exponential_survival`: ``median * log2(1 / surviving)``. With
    ``surviving = 0.5`` it returns the median, with ``0.25`` twice the median.
    """
    median = _check_median(median)
    if not 0 < surviving <= 1:
        raise ValueError(f"surviving must be a fraction in (0, 1], got {surviving}")
    return median * math.log2(1 / surviving)


def median_with_hazard_ratio(median: float, hazard_ratio: float) -> float:
    """MODEL: the median under a constant hazard multiplied by ``hazard_ratio`` (median / HR).

    A hazard ratio of 0.81 lengthens a 19-month median to about 23.5 months; this holds only if
    the hazards are constant and proportional, which real survival curves rarely are.
    """
    median = _check_median(median)
    if isinstance(hazard_ratio, bool) or not math.isfinite(hazard_ratio) or hazard_ratio <= 0:
        raise ValueError(f"hazard ratio must be a positive, finite number, got {hazard_ratio}")
    return median / hazard_ratio


# Prognosis in words: worst, typical and best case from a median (MODELS) --------------------
#: The four scenarios of Kiely et al. 2011 (J Clin Oncol 2011;29(4):456-463, doi:10.1200/JCO.2010.30.2174):
#: ``alive`` is the share of patients still alive at that time (the point of the survival curve it
#: stands for), ``kiely_multiple`` the simple multiple of the median overall survival that estimated
#: it in the first-line chemotherapy trials of metastatic breast cancer they reviewed. The worst
#: case is the time by which the shortest-lived tenth have died; the typical range (lower to upper
#: typical) holds the middle half of patients; the best case is the time the longest-lived tenth outlive.
PROGNOSIS_SCENARIOS: dict[str, dict[str, float]] = {
    "worst case": {"alive": 0.90, "kiely_multiple": 0.25},
    "lower typical": {"alive": 0.75, "kiely_multiple": 0.5},
    "upper typical": {"alive": 0.25, "kiely_multiple": 2.0},
    "best case": {"alive": 0.10, "kiely_multiple": 3.0},
}

#: How a median is turned into scenarios: Kiely's simple multiples, or the course's constant-hazard model.
ScenarioMethod = Literal["kiely2011", "constant_hazard"]
SCENARIO_METHODS: dict[str, str] = {
    "kiely2011": "MODEL: simple multiples of the median (Kiely et al. 2011)",
    "constant_hazard": "MODEL: constant hazard fitted to the median",
}


def scenario_multiple(scenario: str, method: ScenarioMethod = "kiely2011") -> float:
    """MODEL: the multiple of the median that gives ``scenario`` under ``method``.

    ``kiely2011``: the published simple multiple (0.25, 0.5, 2 or 3). ``constant_hazard``: the
    time at which the exponential curve with median 1 falls to the scenario's share alive,
    ``log2(1 / alive)`` (about 0.15, 0.42, 2 and 3.32).
    """
    if scenario not in PROGNOSIS_SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of: {', '.join(PROGNOSIS_SCENARIOS)}")
    if method == "kiely2011":
        return PROGNOSIS_SCENARIOS[scenario]["kiely_multiple"]
    if method == "constant_hazard":
        return exponential_time_at_survival(PROGNOSIS_SCENARIOS[scenario]["alive"], 1.0)
    raise ValueError(f"method must be one of {', '.join(SCENARIO_METHODS)}, got {method!r}")


def scenario_multiples() -> pd.DataFrame:
    """Both MODELS side by side: for each scenario, the share alive and the multiple of the median under each method."""
    return pd.DataFrame([{
        "scenario": name, "share still alive": spec["alive"],
        "multiple of the median (Kiely 2011)": scenario_multiple(name, "kiely2011"),
        "multiple of the median (constant-hazard model)": round(scenario_multiple(name, "constant_hazard"), 2),
    } for name, spec in PROGNOSIS_SCENARIOS.items()])


def _optional_limit(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return _check_median(value)


def prognosis_scenarios(median: float, ci_low: float | None = None, ci_high: float | None = None,
                        method: ScenarioMethod = "kiely2011") -> pd.DataFrame:
    """MODEL: worst-case, lower and upper typical and best-case times (months) from one median.

    One row per scenario of :data:`PROGNOSIS_SCENARIOS`: ``scenario``, ``share alive`` (at that
    time), ``multiple`` (of the median, see :func:`scenario_multiple`) and ``months``. When the
    95% confidence limits of the median are given (both or neither), ``months at CI low`` and
    ``months at CI high`` apply the same multiple to each limit: how far each scenario moves
    within the precision of the median. A range of survival times is not a CI and must not be
    passed here. Months are rounded to 0.1.
    """
    median = _check_median(median)
    low, high = _optional_limit(ci_low), _optional_limit(ci_high)
    if (low is None) != (high is None):
        raise ValueError("give both 95% confidence limits of the median, or neither")
    if low is not None and not low <= median <= high:
        raise ValueError(f"the median {median} must lie within its confidence limits {low}-{high}")
    rows = []
    for name, spec in PROGNOSIS_SCENARIOS.items():
        multiple = scenario_multiple(name, method)
        row = {"scenario": name, "share alive": spec["alive"], "multiple": round(multiple, 2),
               "months": round(multiple * median, 1)}
        if low is not None:
            row["months at CI low"], row["months at CI high"] = round(multiple * low, 1), round(multiple * high, 1)
        rows.append(row)
    return pd.DataFrame(rows)


def prognosis_table(forest: pd.DataFrame, method: ScenarioMethod = "kiely2011") -> pd.DataFrame:
    """MODEL: :func:`prognosis_scenarios` for every row of :func:`forest_table`, one row per series.

    Columns: ``series``, ``median``, ``worst case``, ``typical from``, ``typical to``, ``best
    case`` (months, rounded to 0.1) and ``time_origin``. The CI of the median is left to
    :func:`prognosis_scenarios`, which shows it for one series at a time.
    """
    if forest.empty:
        raise ValueError("no published series to turn into scenarios")
    rows = []
    for row in forest.itertuples():
        months = prognosis_scenarios(row.median, method=method).set_index("scenario")["months"]
        rows.append({"series": row.label, "median": row.median, "worst case": months["worst case"],
                     "typical from": months["lower typical"], "typical to": months["upper typical"],
                     "best case": months["best case"], "time_origin": row.time_origin})
    return pd.DataFrame(rows)


def time_in_words(months: float) -> str:
    """A time as one would say it to a patient: weeks under a month, months under two years, then years.

    ``about 3 weeks`` (below 1 month, at least 1 week), ``about 4 months`` (from 1 month, rounded to
    whole months, while that rounds below 24), ``about 3 years`` (from there on, rounded to half
    years: ``about 2.5 years``), halves rounded up. Rounding is deliberate: a scenario is a model, not a date.
    """
    if isinstance(months, bool) or not isinstance(months, (int, float, np.integer, np.floating)) \
            or not math.isfinite(months) or months <= 0:
        raise ValueError(f"months must be a positive, finite number, got {months!r}")
    if months < 1:
        weeks = max(1, _round_half_up(months * DAYS_PER_MONTH / 7))
        return f"about {weeks} week{'s' if weeks != 1 else ''}"
    if _round_half_up(months) < 24:
        whole = _round_half_up(months)
        return f"about {whole} month{'s' if whole != 1 else ''}"
    return f"about {_round_half_up(months / 6) / 2:g} years"


def _round_half_up(value: float) -> int:
    """Round to the nearest whole number, halves upward (2.5 -> 3), as one would say it aloud."""
    return math.floor(value + 0.5)


def prognosis_words(median: float, method: ScenarioMethod = "kiely2011") -> str:
    """MODEL: the scenarios of one median as words for a patient, in natural frequencies.

    "Of ten people in a situation like yours, about one lives less than <worst case>; about half
    live between <lower typical> and <upper typical>; about one lives longer than <best case>."
    The times come from :func:`prognosis_scenarios` and are said by :func:`time_in_words`. The
    uncertainty (which series, the CI of its median, the patient's own course) is not in the
    sentence: it is for the clinician to add, in words.
    """
    months = prognosis_scenarios(median, method=method).set_index("scenario")["months"]
    say = {name: time_in_words(value) for name, value in months.items()}
    return (f"Of ten people in a situation like yours, about one lives less than {say['worst case']}; "
            f"about half live between {say['lower typical']} and {say['upper typical']}; "
            f"about one lives longer than {say['best case']}.")


# The cases as survival data ---------------------------------------------------------------
def time_to_event(cases: pd.DataFrame, events: pd.DataFrame, origin: str = "bmm_diagnosis") -> pd.DataFrame:
    """One row per case: months from ``origin`` to death or last contact, and whether it is an event.

    Columns: ``case_id, origin, origin_day, end, end_day, days, months, event, vital_status,
    precision``. ``event`` is 1 for death and 0 for a patient alive at last contact (censored:
    her survival is *at least* ``months``). ``precision`` is ``approximate`` when either
    milestone day is. The days come from the milestones of ``events.csv`` (read with
    :func:`utils.timeline.milestones`); ``vital_status``
    from ``cases.csv`` must agree with the end milestone.
    """
    if origin not in ORIGINS:
        raise ValueError(f"unknown time origin {origin!r}; expected one of: {', '.join(ORIGINS)}")
    marked = timeline.milestones(events).astype({"milestone": str})
    rows = []
    for case in cases.itertuples():
        own = marked[marked["case_id"] == case.case_id].set_index("milestone")
        if origin not in own.index:
            raise ValueError(f"events.csv: case {case.case_id} has no {origin!r} milestone")
        ends = [m for m in END_MILESTONES if m in own.index]
        if len(ends) != 1:
            raise ValueError(f"events.csv: case {case.case_id} needs exactly one of {', '.join(END_MILESTONES)}, found {ends or 'none'}")
        end = ends[0]
        expected_status = "dead" if END_MILESTONES[end] else "alive"
        if case.vital_status != expected_status:
            raise ValueError(f"case {case.case_id}: vital_status {case.vital_status!r} in cases.csv but follow-up ends with {end!r}")
        origin_day, end_day = int(own.at[origin, "day"]), int(own.at[end, "day"])
        precise = own.at[origin, "day_precision"] == "exact" and own.at[end, "day_precision"] == "exact"
        rows.append({
            "case_id": case.case_id, "origin": origin, "origin_day": origin_day, "end": end, "end_day": end_day,
            "days": end_day - origin_day, "months": round((end_day - origin_day) / DAYS_PER_MONTH, 1),
            "event": END_MILESTONES[end], "vital_status": case.vital_status,
            "precision": "exact" if precise else "approximate",
        })
    return pd.DataFrame(rows)


def times_from_origins(cases: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Months from every origin of :data:`ORIGINS` to the end of follow-up, one row per case.

    Columns: ``case_id``, one column per origin (months), ``event``, ``time_before_bmm``
    (months between primary diagnosis and marrow-metastasis diagnosis: survival counted from
    the earlier clock is longer by exactly this much, time the patient had already lived
    before a marrow series could include her) and one ``<origin>_precision`` column per
    origin (``approximate`` when either milestone of that time is).
    """
    per_origin = {o: time_to_event(cases, events, o).set_index("case_id") for o in ORIGINS}
    wide = pd.concat([table["months"].rename(o) for o, table in per_origin.items()], axis=1)
    wide["event"] = per_origin["bmm_diagnosis"]["event"]
    wide["time_before_bmm"] = (wide["primary_diagnosis"] - wide["bmm_diagnosis"]).round(1)
    for o, table in per_origin.items():
        wide[f"{o}_precision"] = table["precision"]
    return wide.reset_index()


def _text_or(values: pd.Series, blank: str) -> pd.Series:
    """Text values (categoricals included) with ``blank`` where a value is missing."""
    return values.astype(object).where(values.notna(), blank).astype(str)


def single_case_series(literature: pd.DataFrame, own_cases: pd.DataFrame) -> pd.DataFrame:
    """Every curated case (each row of ``own_cases``) and the single published cases, as one survival table.

    ``own_cases`` is :func:`time_to_event` (origin = BMM diagnosis). Columns: ``case, months,
    outcome`` (``dead``, ``alive`` or ``not stated``), ``time_origin`` and ``source``.
    The published cases come from the ``case_report`` rows of ``literature_survival.csv``;
    their ``median_os_months`` is that one patient's survival.
    """
    own = pd.DataFrame({
        "case": own_cases["case_id"], "months": own_cases["months"],
        "outcome": own_cases["vital_status"].astype(str),
        "time_origin": ORIGINS[own_cases["origin"].iloc[0]] if len(own_cases) else "",
        "source": "cases.csv and events.csv",
    })
    single = literature[literature["design"] == "case_report"]
    published = pd.DataFrame({
        "case": single["study_id"], "months": single["median_os_months"].astype(float),
        "outcome": _text_or(single["outcome_status"], "not stated"),
        "time_origin": _text_or(single["time_origin"], "not stated"),
        "source": single["source_locator"],
    })
    return pd.concat([own, published], ignore_index=True)


def _median_text(value: float) -> str:
    """A Kaplan-Meier median or limit in months, or "not reached" when the curve (or its band) stays above 50 %."""
    return format(value, "g") if math.isfinite(value) else "not reached"


def step_sizes(fitter: KaplanMeierFitter) -> pd.DataFrame:
    """Every step of a fitted Kaplan-Meier curve: ``months``, ``deaths``, ``at_risk`` and ``drop`` (the fall of the curve
    at that time, as a fraction), with ``censored_before`` (how many patients left the risk set censored before it).

    Without censoring every death drops the curve by exactly 1/n; a patient censored earlier has left
    the risk set without a step, so each later death drops the curve by more.
    """
    table = fitter.event_table
    curve = fitter.survival_function_.iloc[:, 0]
    rows, before, censored = [], 1.0, 0
    for time, row in table.iterrows():
        after = float(curve.loc[time])
        if row["observed"] > 0:
            rows.append({"months": float(time), "deaths": int(row["observed"]), "at_risk": int(row["at_risk"]),
                         "drop": before - after, "censored_before": censored})
        censored += int(row["censored"])
        before = after
    return pd.DataFrame(rows, columns=["months", "deaths", "at_risk", "drop", "censored_before"])


def single_case_reading(series: pd.DataFrame, fitter: KaplanMeierFitter, forest: pd.DataFrame) -> str:
    """The numbers behind the single-case Kaplan-Meier lesson of notebook 05b, as Markdown built from the data.

    ``series`` is :func:`single_case_series` (exactly the rows fitted), ``fitter`` the Kaplan-Meier fit of it, ``forest``
    :func:`forest_table`. Says which patients the curve holds (the course's cases, by name, and the published
    single cases), the step a death makes (exactly 1/n without censoring; larger after a censored patient has
    left the risk set, named with the step it enlarges, :func:`step_sizes`), its median with the 95% CI ("not
    reached" when the curve stays above 50 %, and then no comparison), and how the median compares with the
    median of every whole cohort: so the prose never states a number that a case added to ``cases.csv``
    would change. Curated names are escaped (:func:`utils.markup.markdown_text`).
    """
    from utils.markup import markdown_text

    summary = km_summary(fitter)
    if len(series) != summary["n"]:
        raise ValueError(f"series holds {len(series)} patients but the fit {summary['n']}: pass exactly the rows that were"
                         " fitted (for example without the cases an 'excluded' outcome left out), so that the names are right")
    own = series[series["source"] == "cases.csv and events.csv"]["case"].astype(str).tolist()
    published = series[series["source"] != "cases.csv and events.csv"]["case"].astype(str).tolist()
    whole = forest[forest["subgroup"] == "all"]
    if whole.empty:
        raise ValueError("the forest table has no whole-cohort row (subgroup 'all') to compare with")
    n, median, deaths = summary["n"], summary["median"], summary["events"]
    names = lambda ids: ", ".join(markdown_text(i) for i in ids) or "none"  # noqa: E731
    ci = f"{_median_text(summary['ci_low'])} to {_median_text(summary['ci_high'])}"
    if not math.isfinite(median):
        median_text = "not reached (the curve stays above 50 %)"
        verdict = "not reached, so it cannot be compared with a cohort median"
    else:
        median_text = f"{median:g} months"
        longer = int((whole["median"] < median).sum())
        if longer == len(whole):
            verdict = f"longer than the median of every one of the {len(whole)} whole cohorts"
        else:
            verdict = f"longer than the median of {longer} of the {len(whole)} whole cohorts"
    cohorts = ", ".join(f"{markdown_text(r.label)} {r.median:g}" for r in whole.itertuples())
    return "\n".join([
        f"- **Who is in the curve** ({markdown_text(fitter.label)}): {n} patients: {len(own)} case(s) of this course"
        f" ({names(own)}) and {len(published)} published single case(s) ({names(published)}).",
        f"- **Step size**: {_step_text(series, fitter, n, names)}",
        f"- **Kaplan-Meier median**: {median_text} (95% CI {ci}; {deaths} death{'' if deaths == 1 else 's'}).",
        f"- **Cohort medians** (whole series, months): {cohorts}. The single-case median is {verdict}.",
    ])


def _step_text(series: pd.DataFrame, fitter: KaplanMeierFitter, n: int, names) -> str:
    """The step-size bullet of :func:`single_case_reading`, every number from the fit."""
    steps = step_sizes(fitter)
    said = (f"without censoring every death would drop the curve by exactly 1/{n} ({100 / n:.0f} percentage points);"
            " a censored patient leaves the risk set without a step, and only then do later steps grow.")
    larger = steps[steps["censored_before"] > 0]
    if steps.empty:
        return said + " Here no patient died, so the curve has no step."
    if larger.empty:
        return said + f" Here no patient is censored before a death, so every step is 1/{n}."
    durations = pd.Series(fitter.durations, dtype=float)
    observed = pd.Series(fitter.event_observed).astype(int)
    parts = []
    for step in larger.itertuples():
        gone = sorted(durations[(observed == 0) & (durations < step.months)].unique())
        who = []
        for time in gone:
            named = series.loc[(series["months"].astype(float) == time) & (series["outcome"] != "dead"), "case"].astype(str)
            who.append(f"{names(list(named)) if len(named) else 'a patient'} censored at {time:g} months")
        gone_text = who[0] if len(who) == 1 else f"{', '.join(who[:-1])} and {who[-1]}"
        parts.append(f"after {gone_text}, the death at {step.months:g} months drops it by"
                     f" {100 * step.drop:.1f} percentage points ({step.deaths} death{'' if step.deaths == 1 else 's'}"
                     f" among {step.at_risk} patient{'' if step.at_risk == 1 else 's'} at risk)")
    return said + " Here " + "; ".join(parts) + "."


def km_inputs(series: pd.DataFrame, unknown_as: UnknownOutcome) -> tuple[pd.Series, pd.Series]:
    """Durations and event flags of :func:`single_case_series` for lifelines.

    A case whose outcome is not stated must be decided explicitly: ``censored`` (alive at that
    time), ``death`` (died then) or ``excluded``. Showing the estimate under each choice is the
    honest way to use such a case.
    """
    if unknown_as not in ("censored", "death", "excluded"):
        raise ValueError(f"unknown_as must be 'censored', 'death' or 'excluded', got {unknown_as!r}")
    bad = sorted(set(series["outcome"]) - {"dead", "alive", "not stated"})
    if bad:
        raise ValueError(f"outcome must be dead, alive or not stated; found {bad}")
    kept = series[series["outcome"] != "not stated"] if unknown_as == "excluded" else series
    events = kept["outcome"].map({"dead": 1, "alive": 0, "not stated": 1 if unknown_as == "death" else 0}).astype(int)
    return kept["months"].astype(float), events


def kaplan_meier(durations: pd.Series, events: pd.Series, label: str, alpha: float = 0.05) -> KaplanMeierFitter:
    """A fitted ``lifelines.KaplanMeierFitter`` (95% CI by default); ``events`` 1 = death, 0 = censored."""
    durations, events = pd.Series(durations, dtype=float), pd.Series(events)
    if len(durations) == 0 or len(durations) != len(events):
        raise ValueError(f"need the same, non-zero number of durations and events, got {len(durations)} and {len(events)}")
    if (durations < 0).any() or durations.isna().any():
        raise ValueError("durations must be times from the origin (0 or more), without gaps")
    if not set(events.unique()) <= {0, 1}:
        raise ValueError(f"events must be 1 (death) or 0 (censored), found {sorted(set(events.unique()))}")
    return KaplanMeierFitter(alpha=alpha).fit(durations, events, label=label)


def km_summary(fitter: KaplanMeierFitter) -> dict[str, float | int | str]:
    """The median of a fitted Kaplan-Meier curve with its confidence limits, n and number of events.

    A limit the data cannot reach (the curve or its band never falls to 50%) is ``inf``.
    """
    limits = median_survival_times(fitter.confidence_interval_).iloc[0]
    return {
        "label": fitter.label, "n": int(fitter.event_observed.size), "events": int(fitter.event_observed.sum()),
        "median": float(fitter.median_survival_time_), "ci_low": float(limits.iloc[0]), "ci_high": float(limits.iloc[1]),
    }


def gbsg2_months() -> pd.DataFrame:
    """The GBSG-2 breast cancer cohort that ships with lifelines, on a time axis in months.

    686 women with node-positive primary breast cancer of the German Breast Cancer Study
    Group 2 (Schumacher et al. 1994; the 686-patient set of Sauerbrei and Royston 1999).
    The endpoint is **recurrence-free survival** (recurrence or death), not overall survival.
    Adds ``months`` (``time`` in days / 30.44), ``event`` (1 recurrence or death, 0 censored,
    from ``cens``) and ``hormonal_therapy`` (``tamoxifen`` / ``no tamoxifen`` from ``horTh``).
    """
    from lifelines.datasets import load_gbsg2

    table = load_gbsg2()
    table["months"] = table["time"] / DAYS_PER_MONTH
    table["event"] = table["cens"].astype(int)
    table["hormonal_therapy"] = table["horTh"].map({"yes": "tamoxifen", "no": "no tamoxifen"})
    return table


# The published series ---------------------------------------------------------------------
def classify_time_origin(text: object) -> str:
    """Class of a published time origin (see :data:`ORIGIN_CLASSES`); blank means not stated."""
    if text is None or pd.isna(text) or not str(text).strip():
        return "not_stated"
    lowered = str(text).lower()
    if "bone marrow" in lowered or "marrow metastasis" in lowered:
        return "bmm_diagnosis"
    if "treatment" in lowered:
        return "treatment_start"
    return "other"


def forest_table(literature: pd.DataFrame, design: str = "cohort") -> pd.DataFrame:
    """The published series of one design as rows of a forest plot.

    Columns: ``label`` (study and subgroup), ``study_id, subgroup, n, median, low, high,
    interval`` (``95% CI``, ``range`` or ``none``: the CI where the source gives one, else
    the range of survival, else nothing), ``time_origin`` (as published, ``not stated`` when
    blank), ``origin_class`` and ``population``. Rows keep the order of the file.
    """
    if design not in ("cohort", "case_report"):
        raise ValueError(f"design must be 'cohort' or 'case_report', got {design!r}")
    rows = []
    for row in literature[literature["design"] == design].itertuples():
        if pd.notna(row.ci_low) and pd.notna(row.ci_high):
            low, high, interval = row.ci_low, row.ci_high, "95% CI"
        elif pd.notna(row.range_low) and pd.notna(row.range_high):
            low, high, interval = row.range_low, row.range_high, "range"
        else:
            low, high, interval = np.nan, np.nan, "none"
        rows.append({
            "label": row.study_id if row.subgroup == "all" else f"{row.study_id}: {row.subgroup}",
            "study_id": row.study_id, "subgroup": row.subgroup,
            "n": row.n if pd.notna(row.n) else pd.NA, "median": float(row.median_os_months),
            "low": float(low), "high": float(high), "interval": interval,
            "time_origin": row.time_origin if pd.notna(row.time_origin) else "not stated",
            "origin_class": classify_time_origin(row.time_origin), "population": row.population,
        })
    return pd.DataFrame(rows).astype({"n": "Int64"})


def _cohort_case_pairs(forest: pd.DataFrame, own_cases: pd.DataFrame) -> list[tuple]:
    """Every (series row, case row) pair, series in file order; at least one case is needed."""
    if own_cases.empty:
        raise ValueError("no cases to compare")
    return [(cohort, case) for cohort in forest.itertuples() for case in own_cases.itertuples()]


def cohort_comparison(forest: pd.DataFrame, own_cases: pd.DataFrame) -> pd.DataFrame:
    """MODEL: where each case sits under each published series' constant-hazard model.

    For every row of :func:`forest_table` and every case of :func:`time_to_event`:
    ``p_at_least`` is the modelled probability of surviving at least as long as the case did
    (for a censored case: of being alive at her last contact). ``same_origin`` says whether the
    series counts from the same clock as the case (``False`` when it does not say).
    """
    return pd.DataFrame([{
        "cohort": cohort.label, "cohort_median": cohort.median, "case_id": case.case_id,
        "case_months": case.months, "case_status": "died" if case.event else "alive at last contact (censored)",
        "p_at_least": round(exponential_survival(case.months, cohort.median), 3),
        "same_origin": cohort.origin_class == case.origin,
    } for cohort, case in _cohort_case_pairs(forest, own_cases)])


def median_ci_probabilities(forest: pd.DataFrame, own_cases: pd.DataFrame) -> pd.DataFrame:
    """MODEL: how far each case's probability moves within a series' 95% CI of the median.

    For every row of :func:`forest_table` that gives a 95% CI of its median, and every case of
    :func:`time_to_event`: ``p_at_ci_low``, ``p_at_median`` and ``p_at_ci_high`` are the
    constant-hazard probabilities of surviving at least ``case_months`` with the lower limit,
    the median and the upper limit as the median. A longer median gives a higher probability,
    so the two limits bound the probability (under the model) as the CI bounds the median.
    Series given with a range or nothing are left out: a range describes patients, not the
    precision of the median.
    """
    with_ci = forest[forest["interval"] == "95% CI"]
    if with_ci.empty:
        raise ValueError("no series with a 95% CI of the median (interval == '95% CI') in the forest table")
    return pd.DataFrame([{
        "cohort": cohort.label, "median": cohort.median, "ci_low": cohort.low, "ci_high": cohort.high,
        "case_id": case.case_id, "case_months": case.months,
        **{f"p_at_{name}": round(exponential_survival(case.months, median), 3)
           for name, median in (("ci_low", cohort.low), ("median", cohort.median), ("ci_high", cohort.high))},
    } for cohort, case in _cohort_case_pairs(with_ci, own_cases)])


def counts_near_diagnosis(labs: pd.DataFrame, analyte: str, days_before: int = 14) -> pd.DataFrame:
    """Every measured value of ``analyte`` from ``days_before`` days before day 0 up to day 0.

    A prognostic factor "at diagnosis" needs one value; when several were measured in the
    days before, this shows all of them (nothing interpolated) so the choice is visible.
    """
    if days_before < 0:
        raise ValueError(f"days_before must be 0 or more, got {days_before}")
    near = labs[(labs["analyte"] == analyte) & labs["day"].between(-days_before, 0)]
    if near.empty:
        raise ValueError(f"no {analyte} values between day {-days_before} and day 0")
    columns = ["case_id", "day", "day_precision", "value_std", "unit_std", "printed", "source_locator"]
    return near.sort_values(["case_id", "day"])[columns].reset_index(drop=True)


# Published prognostic factors -----------------------------------------------------------
def prognostic_factor(factors: pd.DataFrame, factor_id: str) -> pd.Series:
    """The row ``factor_id`` of ``prognostic_factors.csv`` (a published cut-off with its source)."""
    row = factors[factors["factor_id"] == factor_id]
    if row.empty:
        raise KeyError(f"unknown prognostic factor {factor_id!r}; factors in the table: {', '.join(map(str, factors['factor_id']))}")
    return row.iloc[0]


def describe_factor(factor: pd.Series) -> str:
    """One line saying what a row of ``prognostic_factors.csv`` states, with its numbers from the row."""
    return (f"{factor['study_id']} ({factor['factor_id']}): {factor['analyte']} {factor['comparison']} "
            f"{factor['threshold']:g} {factor['unit']}, measured {factor['timing']}; "
            f"associated with {factor['association']} ({factor['analysis']} analysis)")


def cutoff_column(factor: pd.Series) -> str:
    """Name of the column :func:`flag_cutoff` adds, for example ``below niu2023 cut-off``."""
    return f"{factor['comparison']} {factor['study_id']} cut-off"


def flag_cutoff(counts: pd.DataFrame, factor: pd.Series) -> pd.DataFrame:
    """Each value of :func:`counts_near_diagnosis` with whether it lies on the factor's adverse side.

    Adds the column :func:`cutoff_column` (``True`` when ``value_std`` is strictly below, or
    strictly above, the threshold, as ``comparison`` says). The counts must be of the factor's
    analyte (:func:`counts_against_factor` makes sure) and in its unit: a cut-off is never
    applied to another unit.
    """
    if factor["comparison"] not in ("below", "above"):
        raise ValueError(f"factor {factor['factor_id']}: comparison must be 'below' or 'above', got {factor['comparison']!r}")
    units = set(counts["unit_std"].astype(str))
    if units != {str(factor["unit"])}:
        raise ValueError(f"factor {factor['factor_id']} is in {factor['unit']}, but the counts are in {', '.join(sorted(units)) or 'no unit'}")
    flagged = counts.copy()
    values = flagged["value_std"].astype(float)
    flagged[cutoff_column(factor)] = values < factor["threshold"] if factor["comparison"] == "below" else values > factor["threshold"]
    return flagged


def counts_against_factor(labs: pd.DataFrame, factor: pd.Series, days_before: int = 14) -> pd.DataFrame:
    """:func:`counts_near_diagnosis` of the factor's analyte, flagged by :func:`flag_cutoff`."""
    return flag_cutoff(counts_near_diagnosis(labs, str(factor["analyte"]), days_before), factor)


def cutoff_by_case(flagged: pd.DataFrame, factor: pd.Series) -> pd.DataFrame:
    """Per case: how many values of :func:`flag_cutoff` lie on the adverse side, and what that makes of her.

    Columns: ``case_id``, ``values`` (how many), ``on adverse side`` (how many of them),
    ``nearest day`` (the day of the value closest to day 0), ``nearest on adverse side`` and
    ``group``: ``adverse group`` when every value is on the adverse side, ``other group`` when
    none is, and ``depends on which value`` when the values fall on both sides.
    """
    column = cutoff_column(factor)
    if column not in flagged:
        raise ValueError(f"no {column!r} column; pass the table of flag_cutoff")
    rows = []
    for case_id, own in flagged.groupby("case_id", sort=True, observed=True):
        nearest = own.loc[own["day"].abs().idxmin()]
        adverse = int(own[column].sum())
        group = "adverse group" if adverse == len(own) else "other group" if adverse == 0 else "depends on which value"
        rows.append({"case_id": case_id, "values": len(own), "on adverse side": adverse, "nearest day": int(nearest["day"]),
                     "nearest on adverse side": bool(nearest[column]), "group": group})
    return pd.DataFrame(rows)


def case_row(table: pd.DataFrame, case_id: str) -> pd.Series:
    """The row of ``case_id`` in a per-case table (for example :func:`time_to_event`)."""
    own = table[table["case_id"] == case_id]
    if own.empty:
        raise KeyError(f"unknown case {case_id!r}; cases in the table: {', '.join(map(str, table['case_id']))}")
    return own.iloc[0]
