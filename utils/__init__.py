"""Shared code for the teaching notebooks on bone marrow metastasis of breast cancer.

Import the module you need, by name, so a reader can always see where a helper lives::

    from utils import casedata, plots

Modules
-------
casedata   load and validate the curated tables in ``casedata/`` (the only way notebooks read data)
curation   check a case curated in a folder of its own; extract the course's curation of a case (model answer)
vocabulary the enums of ``casedata/datapackage.json`` and how their values read (labels, colours): one place
palette    the colour-blind-safe palette every figure draws from
units      unit normalisation and conversion for laboratory values
timeline   the shared day axis: milestones, days to months and years
labs       one case's laboratory series and its rate of change (no interpolation)
lab_charts laboratory time courses with grade bands, thresholds and therapy lines; the lab explorer widget
grading    reference-range flags, CTCAE v5.0 grades, the cytopenia label
summary    side-by-side summaries of the cases and the Markdown view of one discrepancy
markup     curated text escaped for Markdown, so that a CSV cell never becomes markup
ihc        receptor status and subtype by ASCO/CAP, reading a marker panel
ihc_views  tables over casedata/ihc.csv and the marker-panel explorer widget
plots      the one plotting style of the collection and its figures (deterministic PNG output)
swimmer    swimmer (Gantt) charts of every treatment on the shared day axis
dosing     body-surface area, mg and mg/m2, dose reductions, cumulative dose, reading a dose against references
dose_charts  cumulative anthracycline against cardiac thresholds; fixed doses per m2 on assumed heights
nutrition  weight loss, BMI and the NICE CG32 refeeding-risk criteria
widgets    the small wiring layer of every widget (controls, reset, output)
selfcheck  self-check questions kept as data, shown with jupyterquiz
survival   time-to-event tables of the cases, published series, constant-hazard (exponential) models
survival_plots  forest plot of published survival, Kaplan-Meier curves (lifelines), model curves
course     the course map: notebooks, their order, timings and prerequisites
"""

from pathlib import Path

#: Root of the repository (the folder that holds ``casedata/`` and ``notebooks/``).
PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT"]
