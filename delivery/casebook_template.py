# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="title"
# # Casebook: one case from presentation to survival
#
# **A reference page for one case, generated from `casedata/` alone.** It runs the helpers of the course (`utils/`) on the rows of a single case, in the order a clinician meets them: the presentation and its first counts, the marker panel, the treatment and its doses, the lab course, survival against published series, and what the sources contradict. It is not a lesson: there are no objectives or exercises here; the numbered notebooks teach each step, and the links below name the notebook to read for each section.
#
# > **For education only.** This page shows curated data from published reports for teaching. Nothing in it is a treatment recommendation for any patient.

# %% [markdown] slideshow={"slide_type": "skip"} cell_id="navigation"
# *A reference page, one per case (`make casebook` writes them all) · [Course index](../00_index.ipynb) · the lessons behind each section: [01 Presentation](../01_presentation.ipynb), [02 Immunohistochemistry](../02_ihc_interpretation.ipynb), [03 Treatment lines](../03_treatment_lines.ipynb), [04 Lab recovery](../04_lab_recovery.ipynb), [05b Survival comparison](../05b_survival_comparison.ipynb)*

# %% slideshow={"slide_type": "-"} tags=["parameters"] cell_id="parameters"
case_id = "akagi2021"  # default; papermill sets the case below (`make casebook` renders one page per case of cases.csv)

# %% slideshow={"slide_type": "-"} cell_id="setup"
import pandas as pd
from IPython.display import Markdown, display

from utils import (casebook, casedata, dosing, grading, ihc, ihc_views, lab_charts, markup, plots, summary, survival, survival_plots,
                   swimmer)

plots.use_course_style()
pd.set_option("display.max_colwidth", None)  # show locators and curated text in full
data = casedata.load_all()
own = casebook.case_data(data, case_id)  # the rows of this case; published series and reference tables stay whole
order = data.cases["case_id"]  # the order of cases.csv gives each case its colour and marker, the same in every figure
Markdown(f"## Case {markup.markdown_text(case_id)}")

# %% [markdown] slideshow={"slide_type": "-"} cell_id="coverage-intro"
# ### What the data hold for this case
#
# A case may be sparse: only its milestones (`events.csv`) are required. The table counts the rows this case has in each table; a section whose table has no rows says so and the page goes on.

# %% slideshow={"slide_type": "-"} cell_id="coverage"
casebook.coverage(own)

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="presentation-head"
# ## 1. Presentation
#
# The case row of `cases.csv` in words, with the milestones before the diagnosis of marrow metastasis (day 0). Notebook [01](../01_presentation.ipynb) teaches how to read a presentation like this one.

# %% slideshow={"slide_type": "-"} cell_id="presentation"
Markdown(casebook.presentation_markdown(own.cases.iloc[0], own.events))

# %% [markdown] slideshow={"slide_type": "-"} cell_id="counts-intro"
# ### The first counts, flagged and graded
#
# Each value stated before treatment of the marrow metastasis (with the precision of its day), against the adult reference range of `hoffbrand_eh` (`reference_ranges.csv`), with its CTCAE v5.0 grade where CTCAE grades that analyte. The cytopenia is named from the last stated value of each lineage, and only when haemoglobin, platelets and white count are all stated.

# %% slideshow={"slide_type": "-"} cell_id="counts"
if own.labs.empty:
    display(Markdown(casebook.missing_markdown("labs", case_id, "no count can be flagged or graded, and no cytopenia named")))
else:
    counts, which = casebook.first_counts(own.labs, data.reference_ranges, case_id)
    display(Markdown(which))
    display(counts[["day", "day_precision", "analyte", "printed", "value_std", "unit_std", "reference_range", "flag", "ctcae_v5_grade",
                    "source_locator"]])
    display(Markdown(casebook.cytopenia_sentence(counts)))

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="ihc-head"
# ## 2. Immunohistochemistry and subtype
#
# Every marker result of the case, per specimen, then the receptor subtype by the ASCO/CAP rules wherever ER, PR or HER2 is reported. Notebook [02](../02_ihc_interpretation.ipynb) teaches the reading.

# %% slideshow={"slide_type": "-"} cell_id="ihc-figure"
if own.ihc.empty:
    display(Markdown(casebook.missing_markdown("ihc", case_id, "no marker panel and no subtype by ASCO/CAP can be shown;"
                                                " the curated subtype in section 1 is all the data say")))
else:
    display(ihc_views.marker_panel_figure(own.ihc))

# %% [markdown] slideshow={"slide_type": "-"} cell_id="ihc-caption"
# *Figure (when the case has IHC rows): one row per specimen, one column per marker, from `casedata/ihc.csv`; blue is positive, orange negative, grey a printed value, white not reported; a HER2 score is coloured by the call it makes (3+ positive, 0 and 1+ negative, 2+ grey until ISH decides) and an amplified final HER2 ISH call is positive. Read across a row to see how complete each specimen's panel is.*

# %% slideshow={"slide_type": "-"} cell_id="ihc-tables"
if not own.ihc.empty:
    display(ihc_views.specimen_table(own.ihc))
    subtypes = ihc_views.subtype_table(own.ihc)
    no_subtype = "No specimen of this case has an ER, PR or HER2 result, so no subtype can be called from the panel."
    display(subtypes if not subtypes.empty else Markdown(no_subtype))

# %% slideshow={"slide_type": "-"} cell_id="ihc-origin"
metastasis = [s for s in ("bone_marrow", "other_metastasis") if s in set(own.ihc["specimen"].astype(str))]
if metastasis:
    reading = ihc.interpret_panel(ihc_views.case_panel(own.ihc, case_id, metastasis[0]))
    display(Markdown(f"**Where the cells come from ({markup.markdown_text(metastasis[0].replace('_', ' '))} panel):**\n\n"
                     + "\n".join(f"- {markup.markdown_text(line)}" for line in reading.origin)))
else:
    display(Markdown("No marker result of a marrow or other metastasis is in the data,"
                     " so the origin of the metastatic cells cannot be read here."))

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="treatment-head"
# ## 3. Treatment: every line on one axis, and the doses
#
# The swimmer chart draws every treatment of the case, supportive care included, on months from day 0. Notebook [03](../03_treatment_lines.ipynb) teaches how to read it and how doses are worked out.

# %% slideshow={"slide_type": "-"} cell_id="swimmer"
drawn, left_out = casebook.dated_lines(own.therapy_lines)
if left_out:
    display(Markdown(left_out))
if drawn.empty:
    display(Markdown(casebook.missing_markdown("therapy_lines", case_id, "no swimmer chart can be drawn")
                     if own.therapy_lines.empty else "No treatment row has a start day, so no swimmer chart can be drawn."))
else:
    display(swimmer.swimmer_figure(drawn, own.events, [case_id], styles=plots.case_styles(order),
                                   title=f"{case_id}: every treatment on one time axis"))

# %% [markdown] slideshow={"slide_type": "-"} cell_id="swimmer-caption"
# *Figure (when the case has treatment rows): one lane per treatment line, bars from start to stop on months from day 0 (`casedata/therapy_lines.csv`), hatched where a day is approximate, an open outline where no end is reported; the right-hand column gives response and why the line stopped.*

# %% slideshow={"slide_type": "-"} cell_id="doses"
weight = dosing.body_weight(own.observations, case_id, day=0)
height = dosing.body_height(own.observations, case_id, day=0)
if own.doses.empty:
    display(Markdown(casebook.missing_markdown("doses", case_id, "no printed dose can be shown")))
else:
    display(Markdown(casebook.body_markdown(weight, height)))
    display(dosing.case_dose_table(own.doses, own.therapy_lines, case_id, observations=own.observations))

# %% [markdown] slideshow={"slide_type": "-"} cell_id="doses-note"
# *Source: `casedata/doses.csv` through `utils.dosing.case_dose_table`: every printed dose beside its amount in mg, per m2 and per kg, worked out only from the body measures the case's own report states (`observations.csv`), each line at the weight stated on or before its start (column *weight used*); a blank cell says in `note` what is missing. Notebook [03](../03_treatment_lines.ipynb) teaches the arithmetic.*

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="labs-head"
# ## 4. The lab course
#
# Every stated blood count and tumour marker of the case on the day axis, counts on their CTCAE v5.0 grade bands, with the metastatic therapy lines of the period and transfusion thresholds drawn for comparison: the report's own threshold where it states one, and guideline lines for the population each guideline names (a yardstick, not an indication for this patient). Markers sit only on stated values; nothing is interpolated. Notebook [04](../04_lab_recovery.ipynb) teaches how to read a sparse course honestly.

# %% slideshow={"slide_type": "-"} cell_id="labs-view"
analytes = casebook.chart_analytes(own.labs, case_id)
lln = grading.lower_limits(data.reference_ranges, casebook.REFERENCE_SOURCE)
view = None
if own.labs.empty:
    display(Markdown(casebook.missing_markdown("labs", case_id, "no lab course can be drawn")))
elif not analytes:
    display(Markdown("The case has laboratory values, but no blood count or tumour marker the chart draws."))
else:
    thresholds = lab_charts.applicable_thresholds(own.labs, own.transfusion_thresholds, case_id)
    view = lab_charts.lab_view(own.labs, own.therapy_lines, own.transfusion_thresholds, case_id, analytes, thresholds,
                               events=own.events)
    display(Markdown(lab_charts.describe(view)))

# %% slideshow={"slide_type": "-"} cell_id="labs-chart"
if view is not None:
    display(lab_charts.lab_chart(view, lln, casebook.lab_chart_title(case_id, analytes), case_ids=order))

# %% [markdown] slideshow={"slide_type": "-"} cell_id="labs-caption"
# *Figure (when the case has counts or markers): every stated value from `casedata/labs.csv`, filled where the day is exact and hollow where it is approximate; dotted connectors only guide the eye between stated values and stop at a relapse; counts lie on CTCAE v5.0 grade bands (LLN from `hoffbrand_eh`), markers on a log scale.*

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="survival-head"
# ## 5. Where the case sits against the published series
#
# The case's follow-up, counted from day 0 (the diagnosis of marrow metastasis), beside the median overall survival of the published cohorts in `literature_survival.csv` that can hold this case: every whole series, and the subgroups of its receptor subtype or of a treatment (a subgroup of another subtype is left out of the table, and named). Each series counts from its own time origin, named in the table: only a series that counts from the same clock can be compared directly. The probabilities come from a constant-hazard **MODEL** built from each published median, not from data. Notebooks [05a](../05a_survival_methods.ipynb) and [05b](../05b_survival_comparison.ipynb) teach the method and its limits.

# %% slideshow={"slide_type": "-"} cell_id="survival-table"
followup, position = casebook.survival_position(own)
display(followup[["case_id", "origin", "end", "days", "months", "event", "precision"]])
left_out = casebook.subgroups_left_out(own)
if left_out:
    display(Markdown(left_out))
position

# %% [markdown] slideshow={"slide_type": "-"} cell_id="survival-table-note"
# *Source: the milestones of `casedata/events.csv` (through `utils.survival.time_to_event`) and `casedata/literature_survival.csv`. A censored case (`event` 0, alive at last contact) survived **at least** that long. `subgroup fits the case` says whether a row can hold this case: a whole series always, a subgroup of the same receptor subtype, or a treatment subgroup only if the case was treated that way. The last column is a MODEL: the chance of living at least the case's follow-up if the hazard were constant at the series' median.*

# %% slideshow={"slide_type": "-"} cell_id="survival-forest"
survival_plots.forest_plot(survival.forest_table(own.literature_survival), followup,
                           f"Published median overall survival, and {case_id}", case_ids=order)

# %% [markdown] slideshow={"slide_type": "-"} cell_id="survival-caption"
# *Figure: each square is a published median with its 95% CI (solid) or range (dashed), filled when the series counts from marrow-metastasis diagnosis and open when it counts from another or an unstated origin; the case is the bottom row: a cross for a death, an open triangle with an arrow for a patient alive at last contact (survival at least that long).*

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="discrepancies-head"
# ## 6. What the sources contradict
#
# Where a report says two different things, both statements are kept in `discrepancies.csv` with the curation decision and its reason. Each is a question worth asking of the source: how would you check it?

# %% slideshow={"slide_type": "-"} cell_id="discrepancies"
if own.discrepancies.empty:
    display(Markdown(casebook.missing_markdown("discrepancies", case_id, "no contradiction in its source has been logged")))
else:
    display(Markdown("\n\n".join(summary.discrepancy_markdown(own.discrepancies, d, rationale=True)
                                   for d in own.discrepancies["discrepancy_id"])))

# %% [markdown] slideshow={"slide_type": "slide"} cell_id="sources-head"
# ## References
#
# The case report, the rules this page applies and the published series it compares with, from `casedata/sources.csv` (every patient value on the page carries its own `source_locator`).

# %% slideshow={"slide_type": "-"} cell_id="sources"
Markdown(casebook.references_markdown(data.sources, casebook.page_sources(own)))

# %% [markdown] slideshow={"slide_type": "skip"} cell_id="closing"
# **[Course index](../00_index.ipynb)** · the other cases' pages are listed there (`make casebook` writes one page per case of `cases.csv`).
