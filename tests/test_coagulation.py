"""utils.coagulation: the ISTH overt-DIC score at every cut-off."""

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
