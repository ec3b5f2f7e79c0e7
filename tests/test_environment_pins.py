"""The pip path (requirements.txt) and the conda path (environment.yml) pin the same versions."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# The direct dependencies the collection is built on (issue 2).
DIRECT = {"jupyterlab", "pandas", "matplotlib", "seaborn", "ipywidgets", "nbval",
          "lifelines", "frictionless", "voila", "playwright", "pytest",
          "jupyterquiz", "mistune", "hypothesis", "psutil", "papermill", "jupytext",
          "jupyterhub", "jupyterhub-idle-culler", "nbgitpuller", "jupyterhub-nativeauthenticator",
          "jupyterhub-ltiauthenticator", "oauthenticator"}
NOT_PACKAGES = {"python", "pip"}


def parse_pins(lines, separator):
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition(separator)
        assert sep, f"{line!r} is not pinned with {separator!r}"
        pins[name.strip().lower()] = version.strip()
    return pins


def requirements_pins():
    return parse_pins((ROOT / "requirements.txt").read_text().splitlines(), "==")


def environment_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda, pip = [], []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
        elif dep.split("=")[0] not in NOT_PACKAGES:
            conda.append(dep)
    pins = parse_pins(conda, "=")
    for name, version in parse_pins(pip, "==").items():
        assert name not in pins, f"{name} is listed twice in environment.yml"
        pins[name] = version
    return pins


def test_requirements_pin_exactly_the_direct_dependencies():
    pins = requirements_pins()
    assert set(pins) == DIRECT
    assert all(re.fullmatch(r"\d+(\.\d+)+", v) for v in pins.values()), pins


def test_environment_yml_agrees_with_requirements_txt():
    assert environment_pins() == requirements_pins()


def test_lock_file_holds_the_same_direct_pins():
    lock = parse_pins((ROOT / "requirements-lock.txt").read_text().splitlines(), "==")
    lock = {re.sub(r"[-_.]+", "-", k): v for k, v in lock.items()}
    for name, version in requirements_pins().items():
        assert lock.get(name) == version, f"requirements-lock.txt pins {name}=={lock.get(name)}, requirements.txt {version}"


def test_pandas_stays_below_3_for_lifelines():
    assert int(requirements_pins()["pandas"].split(".")[0]) < 3
