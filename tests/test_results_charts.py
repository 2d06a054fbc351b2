"""Charts: valid Vega-Lite, every mark labelled with text (colour is never the only signal), both languages."""

from __future__ import annotations

import json

import pytest
from test_results_frames import NA, crit, make_frames

from tracker.results import charts
from tracker.results.calibration import interviewer_calibration
from tracker.results.merit import merit_view

CRITERIA = [crit(11, 1, pass_mark=3), crit(12, 2, "asset")]
RATINGS = {
    (1, 1): {11: 4, 12: 5}, (1, 2): {11: 5, 12: 5},
    (2, 1): {11: 2, 12: NA}, (2, 2): {11: 1, 12: 3},
}  # fmt: skip


@pytest.fixture
def frames():
    return make_frames(CRITERIA, 2, RATINGS, [(1, 11, 4, "Agreed")])


def spec_text(chart) -> str:
    return json.dumps(chart.to_dict(), ensure_ascii=False)


def test_heatmap_cells_carry_their_number_and_verdict_sign(frames) -> None:
    data = charts.heatmap_data(merit_view(frames))
    text = {(r.display_name, r.column): r.text for r in data.itertuples()}
    assert text == {
        ("Person A", "C1"): "4 ✓",  # consensus
        ("Person A", "C2"): "5.0*",  # mean of 5, 5 (an asset: no verdict sign)
        ("Person B", "C1"): "1.5* ✗",  # mean of 2, 1 against pass mark 3
        ("Person B", "C2"): "3.0*",
    }


def test_french_heatmap_cells_have_decimal_commas_and_no_english_abbreviation(frames) -> None:
    view = merit_view(make_frames(CRITERIA, 2, RATINGS, [(1, 11, 4, "Agreed"), (2, 12, NA, "Not assessed")]))
    data = charts.heatmap_data(view, t=charts.builtin_translator("fr"), lang="fr")
    text = {(r.display_name, r.column): r.text for r in data.itertuples()}
    assert text[("Person A", "C2")] == "5,0*" and text[("Person B", "C1")] == "1,5* ✗"
    assert text[("Person B", "C2")] == "n.\u00a0é."
    english = charts.heatmap_data(view)
    assert "n/a" in english["text"].tolist()


def test_french_charts_carry_the_french_number_locale(frames) -> None:
    for chart in (
        charts.merit_heatmap(merit_view(frames), lang="fr"),
        charts.ratings_distribution(frames, lang="fr"),
    ):
        number = chart.to_dict()["config"]["locale"]["number"]
        assert number["decimal"] == "," and number["thousands"] == "\u00a0"
    assert charts.merit_heatmap(merit_view(frames)).to_dict()["config"]["locale"]["number"]["decimal"] == "."


def test_heatmap_is_valid_vega_lite_with_a_text_layer(frames) -> None:
    spec = merit_view(frames)
    chart = charts.merit_heatmap(spec)
    as_dict = chart.to_dict()  # validates against the Vega-Lite schema
    marks = [layer["mark"]["type"] for layer in as_dict["layer"]]
    assert marks == ["rect", "text"]
    assert as_dict["title"]["text"] == "Merit view"


def test_heatmap_limits_rows_to_the_top_of_the_ordering(frames) -> None:
    data = charts.heatmap_data(merit_view(frames), max_candidates=1)
    assert set(data["display_name"]) == {"Person A"}


def test_heatmap_of_an_anonymised_view_shows_no_names(frames) -> None:
    chart = charts.merit_heatmap(merit_view(frames, anonymised=True))
    text = spec_text(chart)
    assert "Candidate 01" in text and "Person A" not in text


def test_french_titles_come_from_the_callers_translator(frames) -> None:
    chart = charts.merit_heatmap(merit_view(frames), t=charts.builtin_translator("fr"))
    text = spec_text(chart)
    assert "Tableau du mérite" in text and "Critère" in text and "Merit view" not in text


def test_every_word_has_a_french_translation() -> None:
    french = charts.builtin_translator("fr")
    untranslated = [m for m in charts.MSGIDS if french(m) == m and m not in {"consensus", "Verdict"}]
    assert untranslated == []


def test_distribution_counts_every_scale_value(frames) -> None:
    data = charts.distribution_data(frames)
    c1 = data[data["criterion"] == "C1"].set_index("rating")["count"].to_dict()
    assert c1 == {1: 1, 2: 1, 3: 0, 4: 1, 5: 1}
    c2 = data[data["criterion"] == "C2"].set_index("rating")["count"].to_dict()
    assert c2 == {1: 0, 2: 0, 3: 1, 4: 0, 5: 2}  # "not assessed" is not a rating


def test_distribution_chart_labels_bars_with_counts(frames) -> None:
    as_dict = charts.ratings_distribution(frames).to_dict()
    layers = as_dict["spec"]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["bar", "text"]
    assert layers[1]["encoding"]["text"]["field"] == "count"


def test_calibration_bars_say_the_direction_in_words() -> None:
    frames = make_frames(
        [crit(11, 1)], 1, {(1, 1): {11: 5}, (1, 2): {11: 3}, (1, 3): {11: 4}}, panel=[1, 2, 3]
    )
    calibration = interviewer_calibration(frames)
    data = charts.calibration_data(calibration).set_index("interviewer")
    assert data.loc["Avery Tremblay", "label"] == "+1.50 lenient (n=1)"
    assert data.loc["Blake Singh", "label"] == "-1.50 severe (n=1)"
    assert data.loc["Casey Roy", "label"] == "+0.00 in line (n=1)"
    french = charts.calibration_data(calibration, t=charts.builtin_translator("fr")).set_index("interviewer")
    assert french.loc["Blake Singh", "label"] == "-1.50 cote plus bas (n=1)"  # words only: lang not given
    french = charts.calibration_data(calibration, t=charts.builtin_translator("fr"), lang="fr")
    assert french.set_index("interviewer").loc["Blake Singh", "label"] == "-1,50 cote plus bas (n=1)"
    assert charts.calibration_bars(calibration, lang="fr").to_dict()["config"]["locale"]["number"]["decimal"] == ","
    as_dict = charts.calibration_bars(calibration).to_dict()
    assert [layer["mark"]["type"] for layer in as_dict["layer"]] == ["bar", "rule", "text", "text"]


def test_calibration_without_comparisons_is_labelled_not_drawn_as_zero() -> None:
    frames = make_frames([crit(11, 1)], 1, {(1, 1): {11: 5}}, panel=[1])
    data = charts.calibration_data(interviewer_calibration(frames))
    assert data["label"].tolist() == ["no comparison"]
