"""Every user mistake raises one clear error naming the field, the value and what is allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.config import load_scenario
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_unknown_scenario_lists_the_choices():
    with pytest.raises(ConfigError) as exc:
        load_scenario("integratd")
    msg = str(exc.value)
    assert "integratd" in msg and "Did you mean 'integrated'" in msg and "fragmented" in msg


def test_unknown_override_key_suggests_the_right_one():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["population.sise=1000"])
    msg = str(exc.value)
    assert "population.sise" in msg and "population.size" in msg


def test_unknown_top_level_block():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["hospitall.beds=3"])
    assert "hospitall" in str(exc.value)


def test_negative_capacity_names_field_value_and_range():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["acute.beds=-5"])
    field, value, allowed = exc.value.problems[0]
    assert field == "acute.beds" and value == -5
    assert "at least 0" in allowed or "between 0" in allowed
    assert "acute.beds = -5" in str(exc.value)


def test_probability_above_one():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["community.admission_probability=1.5"])
    assert "community.admission_probability = 1.5" in str(exc.value)
    assert "between 0 and 1" in str(exc.value)


def test_effect_outside_its_range():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["levers.key_worker_effect.mean=2.0"])
    assert "levers.key_worker_effect.mean" in str(exc.value)


def test_effect_mean_outside_its_own_low_high():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["levers.key_worker_effect.mean=0.5"])
    assert "between low" in str(exc.value)


def test_wrong_type():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["population.size=lots"])
    assert "population.size" in str(exc.value)


def test_frailty_mix_must_sum_to_one():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["population.frailty_mix.fit=0.9"])
    assert "add up to 1" in str(exc.value)


def test_unparseable_override():
    with pytest.raises(ConfigError) as exc:
        load_scenario("fragmented", overrides=["population.size"])
    assert "key=value" in str(exc.value)


def test_bad_replications_and_workers():
    cfg = load_scenario("mmc", overrides=["run.days=5"])
    with pytest.raises(ConfigError, match="replications"):
        sim.run(cfg, replications=0)
    with pytest.raises(ConfigError, match="workers"):
        sim.run(cfg, replications=1, workers=0)


def test_yaml_file_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("population: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_scenario(bad)
    notmap = tmp_path / "list.yaml"
    notmap.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_scenario(notmap)
    target = tmp_path / "target.yaml"
    target.write_text("acute:\n  _target_: os.system\n")
    with pytest.raises(ConfigError, match="_target_"):
        load_scenario(target)
    python_tag = tmp_path / "tag.yaml"
    python_tag.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_scenario(python_tag)
    with pytest.raises(ConfigError, match="does not exist"):
        load_scenario(tmp_path / "missing.yaml")


def test_saved_scenario_round_trip(tmp_path):
    import yaml

    cfg = load_scenario("integrated", overrides=["population.size=12345", "acute.beds=77"])
    path = tmp_path / "my_plan.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")))
    again = load_scenario(str(path))
    assert again == cfg
    # Overrides apply on top of a file too.
    assert load_scenario(path, overrides=["acute.beds=80"]).acute.beds == 80


def test_capacities_follow_population_unless_set():
    small = load_scenario("fragmented", overrides=["population.size=5000"])
    big = load_scenario("fragmented", overrides=["population.size=100000"])
    # Blank stays blank in the config; the run resolves it from the population.
    assert small.acute.beds is None and "acute.beds" in small.blank_capacities()
    # Most capacities scale in proportion; acute beds by the square-root rule (a small place
    # keeps more spare beds per person, sim.params.default_capacity).
    assert big.resolved().reablement.slots == pytest.approx(20 * small.resolved().reablement.slots,
                                                            rel=0.05)
    assert 15 * small.resolved().acute.beds < big.resolved().acute.beds < 20 * small.resolved().acute.beds
    fixed = load_scenario("fragmented", overrides=["population.size=5000", "acute.beds=50"])
    assert fixed.acute.beds == 50 and fixed.resolved().acute.beds == 50


@pytest.mark.parametrize("name", sim.available_scenarios())
def test_api_and_hydra_agree_on_every_named_scenario(name):
    """The API's loader and Hydra's composition produce the same parameters."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from sim.cli import register_schema
    from sim.config import RUN_CONTROL_KEYS, SCENARIO_DIR, validate

    register_schema()
    with initialize_config_dir(version_base=None, config_dir=str(SCENARIO_DIR)):
        cfg = compose("config", overrides=[f"scenario={name}", "population.size=20000"])
    data = {k: v for k, v in OmegaConf.to_container(cfg).items() if k not in RUN_CONTROL_KEYS}
    assert validate(data) == load_scenario(name, overrides=["population.size=20000"])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args, needle", [
    (["scenario=nope"], "nope"),
    (["scenario=mmc", "acute.beds=-1"], "acute.beds = -1"),
    (["scenario=mmc", "community.admission_probability=2"], "community.admission_probability"),
    (["scenario=mmc", "population.sise=3"], "population.sise"),
])
def test_cli_errors_are_one_clear_message(args, needle):
    out = _cli(*args)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert needle in text
    assert "Traceback" not in text
