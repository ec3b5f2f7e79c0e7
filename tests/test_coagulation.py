"""utils.coagulation: the ISTH overt-DIC score and the blood components for DIC, at every cut-off."""

import pytest

from utils import casedata, coagulation


@pytest.mark.parametrize(("platelets", "points"), [(150, 0), (100, 0), (99.9, 1), (50, 1), (49.9, 2), (0, 2)])
def test_platelet_points(platelets, points):
    assert coagulation.isth_overt_dic_score(platelets, "no increase", 0, 3.0).platelets == points


@pytest.mark.parametrize(("marker", "points"), [("no increase", 0), ("moderate increase", 2), ("strong increase", 3)])
def test_fibrin_marker_points(marker, points):
    assert coagulation.isth_overt_dic_score(200, marker, 0, 3.0).fibrin_marker == points


@pytest.mark.parametrize(("seconds", "points"), [(0, 0), (2.9, 0), (3, 1), (6, 1), (6.1, 2)])
def test_prothrombin_time_points(seconds, points):
    assert coagulation.isth_overt_dic_score(200, "no increase", seconds, 3.0).prothrombin_time == points


@pytest.mark.parametrize(("fibrinogen", "points"), [(3.0, 0), (1.0, 0), (0.99, 1)])
def test_fibrinogen_points(fibrinogen, points):
    assert coagulation.isth_overt_dic_score(200, "no increase", 0, fibrinogen).fibrinogen == points


@pytest.mark.parametrize(("args", "total", "overt"), [
    ((49, "moderate increase", 0, 2.0), 4, False),  # 2 + 2: one short of overt
    ((49, "moderate increase", 3, 2.0), 5, True),  # the cut-off itself is overt
    ((40, "strong increase", 7, 0.5), 8, True),  # the maximum
    ((200, "no increase", 0, 3.0), 0, False),
])
def test_total_and_the_overt_cut_off(args, total, overt):
    score = coagulation.isth_overt_dic_score(*args)
    assert (score.total, score.overt) == (total, overt)
    assert score.reading.startswith(f"{total} points: " + ("compatible with overt DIC" if overt else "not overt DIC"))


@pytest.mark.parametrize(("args", "message"), [
    ((-1, "no increase", 0, 3.0), "platelet count -1 is not a possible value"),
    ((float("nan"), "no increase", 0, 3.0), "platelet count nan"),
    ((100, "high", 0, 3.0), "fibrin-related marker 'high' is not understood"),
    ((100, "no increase", -2, 3.0), "prothrombin-time prolongation"),
    ((100, "no increase", 0, "3"), "fibrinogen"),
])
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        coagulation.isth_overt_dic_score(*args)


def test_the_score_cites_a_listed_source():
    assert "isth_dic_2001" in set(casedata.load("sources")["source_id"])


def test_score_table_scores_each_scenario_like_the_function():
    scenarios = {"a": (200, "no increase", 0, 3.0), "b": (49, "moderate increase", 3, 2.0), "c": (40, "strong increase", 7, 0.5)}
    table = coagulation.score_table(scenarios)
    assert list(table.index) == ["a", "b", "c"]
    for name, args in scenarios.items():
        score = coagulation.isth_overt_dic_score(*args)
        row = table.loc[name]
        assert (row["points: platelets"], row["points: fibrin marker"], row["points: PT"], row["points: fibrinogen"]) == (
            score.platelets, score.fibrin_marker, score.prothrombin_time, score.fibrinogen)
        assert (row["total"], row["overt DIC"], row["reading"]) == (score.total, score.overt, score.reading)
    with pytest.raises(ValueError, match="fibrin-related marker"):
        coagulation.score_table({"bad": (100, "high", 0, 3.0)})


def components(*args):
    return [component for component, _ in coagulation.bleeding_support(*args)]


@pytest.mark.parametrize(("platelets", "given"), [(0, True), (49.9, True), (50, False), (50.1, False), (300, False)])
def test_bleeding_platelets_below_50(platelets, given):
    assert ("platelets" in components(True, platelets, False, 3.0)) is given


@pytest.mark.parametrize(("fibrinogen", "given"), [(0.5, True), (0.99, True), (1.0, True), (1.49, True), (1.5, False), (3.0, False)])
def test_bleeding_fibrinogen_below_1_5(fibrinogen, given):
    assert ("fibrinogen" in components(True, 200, False, fibrinogen)) is given


@pytest.mark.parametrize(("prolonged", "given"), [(True, True), (False, False)])
def test_bleeding_plasma_for_a_prolonged_clotting_time(prolonged, given):
    assert ("plasma" in components(True, 200, prolonged, 3.0)) is given


NO_PLASMA_OR_FIBRINOGEN = "plasma and fibrinogen: none for the values alone"


def test_all_three_in_order_with_bleeding_and_none_of_these_above_the_cut_offs():
    assert components(True, 20, True, 1.0) == ["platelets", "plasma", "fibrinogen"]
    assert components(True, 200, False, 3.0) == ["none of these"]


@pytest.mark.parametrize(("platelets", "given"), [(0, True), (5, True), (9.9, True), (10, False), (10.1, False), (60, False)])
def test_without_bleeding_platelets_below_the_prophylactic_threshold_are_given(platelets, given):
    # A failing marrow below TT-02 (strict "below 10") gets platelets even without bleeding; plasma and
    # fibrinogen are never given for the values alone.
    support = dict(coagulation.bleeding_support(False, platelets, True, 0.5))
    assert ("platelets" in support) is given
    assert list(support)[-1] == NO_PLASMA_OR_FIBRINOGEN
    assert "plasma" not in support and "fibrinogen" not in support
    if given:
        assert "below the prophylactic threshold for a failing marrow (below 10 x10^9/L" in support["platelets"]
        assert "a higher threshold with fever, sepsis or DIC" in support["platelets"]


def test_the_lowest_stated_platelet_count_not_bleeding():
    labs = casedata.load("labs")
    lowest = labs.loc[labs["analyte"] == "platelets", "value_std"].min()  # read from casedata, never typed
    assert components(False, lowest, True, 0.8) == ["platelets", NO_PLASMA_OR_FIBRINOGEN]
    assert components(False, 60, True, 0.8) == [NO_PLASMA_OR_FIBRINOGEN]
    assert "treat the cause" in dict(coagulation.bleeding_support(False, 60, True, 0.5))[NO_PLASMA_OR_FIBRINOGEN]


@pytest.mark.parametrize(("threshold", "platelets", "given"), [(20, 19.9, True), (20, 20, False), (20, 15, True), (10, 15, False)])
def test_a_higher_prophylactic_threshold_can_be_passed(threshold, platelets, given):
    support = dict(coagulation.bleeding_support(False, platelets, False, 3.0, prophylactic_platelets_below=threshold))
    assert ("platelets" in support) is given
    if given:
        assert f"(below {threshold:g} x10^9/L" in support["platelets"]


def test_the_default_prophylactic_threshold_is_the_tt02_row():
    thresholds = casedata.load("transfusion_thresholds")
    tt02 = coagulation.prophylactic_platelet_threshold(thresholds)
    assert tt02 == coagulation.PROPHYLACTIC_PLATELETS_BELOW == 10
    row = thresholds.set_index("threshold_id").loc["TT-02"]
    assert row["source_id"] == "metcalf2025_aabb_ictmg"


@pytest.mark.parametrize(("threshold_id", "message"), [
    ("TT-99", "expected one row 'TT-99', found 0"),
    ("TT-03", "expected a platelet threshold in 10\\^9/L, got 'hemoglobin'"),
])
def test_prophylactic_threshold_needs_a_platelet_row(threshold_id, message):
    with pytest.raises(ValueError, match=message):
        coagulation.prophylactic_platelet_threshold(casedata.load("transfusion_thresholds"), threshold_id)


@pytest.mark.parametrize(("args", "message"), [
    ((True, -1, False, 3.0), "platelet count -1"),
    ((True, 100, False, float("nan")), "fibrinogen"),
    (("yes", 100, False, 3.0), "must be True or False"),
    ((True, 100, 1, 3.0), "must be True or False"),
    ((False, 100, False, 3.0, 0), "prophylactic platelet threshold 0 is not a possible value"),
    ((False, 100, False, 3.0, "10"), "prophylactic platelet threshold"),
])
def test_bleeding_support_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        coagulation.bleeding_support(*args)
