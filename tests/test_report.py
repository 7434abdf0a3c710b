"""Board reports: every number on the summary page traces back to the comparison, the HTML
opens without a network, and the PDF has the expected pages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

import sim
from sim import readout
from sim import report as board
from sim.errors import ConfigError
from sim.metrics import METRIC_INFO
from sim.params import UncertainEffect, iter_fields
from sim.readout import fmt as F
from sim.report import html as report_html
from sim.report.model import Para, Report, Section

# A system this small tips into gridlock on the default 24 beds; the bed headroom keeps both
# scenarios working, as a board would see them.
SMALL = ["population.size=4000", "run.days=120", "run.warmup_days=60", "acute.beds=64"]
SCENARIOS = ("fragmented", "integrated")
HEADLINE_METRICS = {"emergency_admissions", "delayed_discharge_days", "acute_bed_days",
                    "care_home_admissions", "days_at_home", "cost_total"}
SECTION_IDS = ["summary", "who-pays", "flows", "assumptions", "measures", "stress-des"]


# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cmp() -> sim.Comparison:
    return sim.compare({n: sim.load_scenario(n, overrides=SMALL) for n in SCENARIOS},
                       replications=3, seed=2026)


@pytest.fixture(scope="module")
def validation_csv(tmp_path_factory) -> Path:
    """A validation report with two targets within tolerance and one outside."""
    path = tmp_path_factory.mktemp("validation") / "validation.csv"
    pd.DataFrame([
        {"target": "admissions_per_1000", "description": "Emergency admissions per 1000",
         "published": 250, "unit": "per 1000 per year", "model_mean": 262, "ci_low": 258,
         "ci_high": 266, "tolerance": "+-10%", "within": True},
        {"target": "los_mean", "description": "Mean length of stay", "published": 11.9,
         "unit": "days", "model_mean": 9.0, "ci_low": 8.8, "ci_high": 9.2,
         "tolerance": "6 to 13 days", "within": True},
        {"target": "ascof_2b", "description": "Still at home 91 days after reablement",
         "published": 0.82, "unit": "share", "model_mean": 0.9, "ci_low": 0.89,
         "ci_high": 0.91, "tolerance": "+-5 points", "within": False},
    ]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def page(cmp, validation_csv) -> Page:
    return Page.parse(board.render_html(cmp, validation_csv=validation_csv))


@pytest.fixture(scope="module")
def written(cmp, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    return cmp.report(out / "board.html", pdf=out / "board.pdf")


class Page(HTMLParser):
    """What a reader and a checker see in the HTML: text by section, marked numbers, the
    headline items, every src/href, and the JSON block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.section: str | None = None
        self.text: dict[str, str] = {}
        self.nums: list[dict] = []
        self.items: list[dict] = []
        self.paras: list[dict] = []
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.json_text = ""
        self._num: dict | None = None
        self._li: dict | None = None
        self._p: dict | None = None
        self._json = False

    @classmethod
    def parse(cls, text: str) -> Page:
        p = cls()
        p.feed(text)
        p.close()
        p.source = text
        p.data = json.loads(p.json_text)
        return p

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if self.section and tag in ("td", "th", "li", "p", "br", "caption", "h3"):
            self.text[self.section] = self.text.get(self.section, "") + " "
        for key in ("src", "href"):
            if key in a:
                self.refs.append((tag, key, a[key] or ""))
        if tag == "section":
            self.section = a.get("id")
        elif tag == "span" and "data-source" in a:
            self._num = {"source": a["data-source"], "value": a["data-value"], "text": "",
                         "section": self.section}
        elif tag == "li":
            self._li = {**a, "text": "", "plain": "", "section": self.section}
            self.items.append(self._li)
        elif tag == "p":
            self._p = {**a, "text": "", "plain": "", "section": self.section}
            self.paras.append(self._p)
        elif tag == "script" and a.get("id") == "report-data":
            self._json = True

    def handle_endtag(self, tag):
        if tag == "span" and self._num is not None:
            self.nums.append(self._num)
            self._num = None
        elif tag == "li":
            self._li = None
        elif tag == "p":
            self._p = None
        elif tag == "script":
            self._json = False
        elif tag == "section":
            self.section = None

    def handle_data(self, d):
        if self._json:
            self.json_text += d
            return
        if self.section:
            self.text[self.section] = self.text.get(self.section, "") + d
        for holder in (self._li, self._p):
            if holder is not None:
                holder["text"] += d
                if self._num is None:
                    holder["plain"] += d
        if self._num is not None:
            self._num["text"] += d


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def expected_value(cmp, source: str) -> float | None:
    """The value a marked number claims to show, computed from the comparison itself."""
    kind, *rest = source.split(":")
    if kind == "diff":
        # Every total in the report is per year, as on every surface.
        scenario, metric, field = rest
        row = readout.differences(cmp).loc[(scenario, metric)]
        if field in ("rel_ci_low", "rel_ci_high"):
            return float(row["ci_low" if field.endswith("low") else "ci_high"]
                         / row["baseline_mean"])
        return float(row[field])
    if kind == "param":
        scenario, path = rest
        obj = cmp.results[scenario].params.resolved()  # the numbers the run used
        for part in path.split("."):
            obj = getattr(obj, part)
        return float(obj)
    if kind == "run":
        return {"replications": min(r.replications for r in cmp.results.values()),
                "seed": cmp.seed}[rest[0]]
    if kind == "validation":
        return {"n_within": 2, "n": 3}[rest[0]]
    if kind == "money":
        scenario, row, field = rest
        table = readout.money.split_table(cmp)
        beds = table.attrs["beds"][scenario]
        if field in ("freed_bed_days", "beds", "released_beds"):
            days = beds["released_bed_days" if field == "released_beds" else "freed_bed_days"]
            return days / 365 if field != "freed_bed_days" else days
        t = table.set_index(["scenario", "row_key"])
        col = {"net_low": "net_low", "net_high": "net_high"}.get(field, field)
        return float(t.loc[(scenario, row), col])
    if kind == "people":
        return float(readout.simulated_population(cmp.results[rest[0]].params))
    if kind == "meta":
        return None
    raise AssertionError(f"unknown source {source}")


def shown_value(text: str, source: str) -> tuple[float, float, bool]:
    """(value, rounding tolerance, signed) of a number as printed: '£1.2m', '30%', '4,000'."""
    t = text.strip().replace("\u2212", "-").replace(",", "")
    if t in ("on", "off"):
        return (1.0 if t == "on" else 0.0), 0.0, False
    m = re.fullmatch(r"([+-]?)(£?)(\d+(?:\.\d+)?)([mk]?)(%?)", t)
    assert m, f"cannot read {text!r} ({source})"
    digits = m.group(3)
    dp = len(digits.split(".")[1]) if "." in digits else 0
    scale = {"m": 1e6, "k": 1e3, "": 1.0}[m.group(4)]
    if m.group(5):
        scale = 0.01
    kind, *rest = source.split(":")
    if kind == "diff" and not m.group(5) and not m.group(2):
        metric, field = rest[1], rest[2]
        if METRIC_INFO[metric][1] == "share" and field in ("difference", "ci_low", "ci_high"):
            scale = 0.01  # percentage points
    value = float(digits) * scale * (-1 if m.group(1) == "-" else 1)
    if kind == "money" and not dp:
        # Sentences round to two significant figures: £700,000 is known to the £10,000.
        dp = -(len(digits) - len(digits.rstrip("0")))
    return value, 0.5 * 10 ** -dp * scale * (1 + 1e-9), bool(m.group(1))


# ------------------------------------------------------------------------------------------
def test_page_one_numbers_are_the_comparison_numbers(cmp, page):
    nums = [n for n in page.nums if n["section"] == "summary"]
    sources = {n["source"] for n in nums}
    assert len(nums) >= 30
    for metric in HEADLINE_METRICS:
        for field in ("difference", "ci_low", "ci_high") if metric in (
                "cost_total", "days_at_home") else ("relative", "rel_ci_low", "rel_ci_high"):
            assert f"diff:integrated:{metric}:{field}" in sources, (metric, field)
    for n in nums:
        want = expected_value(cmp, n["source"])
        if want is None:
            continue
        # The data attribute carries the exact value ...
        assert float(n["value"]) == pytest.approx(want, rel=1e-12, abs=1e-12), n
        # ... and the printed text is that value rounded for people.
        got, tol, signed = shown_value(n["text"], n["source"])
        if n["source"].endswith(("rel_ci_low", "rel_ci_high")):
            want = max(want, -1.0)  # a relative interval is cut at a 100% fall
        target = want if signed else abs(want)
        assert abs(got - target) <= tol, (n, target)


def test_headline_items_have_no_unmarked_numbers(page):
    items = [i for i in page.items if i.get("data-metric")]
    who = [p for p in page.paras if p["section"] == "summary"
           and p["text"].startswith("Who pays")]
    assert len(items) == len(HEADLINE_METRICS) and len(who) == 1
    for holder in (*items, *who):
        leftover = squash(holder["plain"]).replace("95% CI", "")
        assert not re.search(r"\d", leftover), leftover


def test_headline_words_match_the_signs(cmp, page):
    diffs = readout.differences(cmp)
    items = {i["data-metric"]: i for i in page.items if i.get("data-metric")}
    assert set(items) == HEADLINE_METRICS
    for metric, item in items.items():
        row = diffs.loc[("integrated", metric)]
        clear = row["ci_low"] > 0 or row["ci_high"] < 0
        text = squash(item["text"])
        if clear:
            up = row["difference"] > 0
            better = up == (METRIC_INFO[metric][2] == "higher")
            assert item["data-verdict"] == ("better" if better else "worse")
            assert re.search(r"\brises?\b" if up else r"\bfalls?\b", text), text
            assert text.upper().startswith(readout.VERDICTS[item["data-verdict"]].upper())
        else:
            assert item["data-verdict"] == "unclear"
            assert "no clear change" in text


def test_json_block_matches_differences(cmp, page):
    diffs = readout.differences(cmp)
    records = page.data["headline"]
    assert {r["metric"] for r in records} == HEADLINE_METRICS
    for r in records:
        row = diffs.loc[(r["scenario"], r["metric"])]
        for field in ("baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high"):
            assert r[field] == pytest.approx(float(row[field]), rel=1e-12, abs=1e-12)
        assert r["rel_ci_low"] == pytest.approx(row["ci_low"] / row["baseline_mean"])
    assert page.data["baseline"] == "fragmented"
    assert page.data["validation"] == {"status": "present", "n_within": 2, "n": 3}


def test_html_is_self_contained(page):
    assert page.refs, "expected images and in-page links"
    for tag, key, value in page.refs:
        assert not re.match(r"^\s*(https?:)?//", value, re.I), (tag, key, value)
        if tag == "img":
            assert value.startswith("data:image/svg+xml;base64,")
        if key == "href":
            assert value.startswith("#")
    assert "link" not in page.tags
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page.source, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*https?://""", page.source, re.I)
    assert [s for s in SECTION_IDS if s in page.text] == SECTION_IDS
    assert sum(1 for t, _k, _v in page.refs if t == "img") >= 6


def test_html_escapes_text_from_scenarios():
    report = Report("a <b> title", ("x",), [Section("summary", "S", [Para(
        ("<script>alert(1)</script> & more",))])], "f", {"k": "</script><script>"})
    text = report_html.render(report)
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)" in text
    assert "</script><script>" not in text.split('id="report-data">')[1].split("</body>")[0]


# ------------------------------------------------------------------------------------------
def test_cost_shift_is_stated(cmp, page):
    moves = page.data["cost_shift"]["integrated"]
    assert moves, "integrated pools half of reablement, intermediate and home care"
    assert {m["to"] for m in moves} == {"pooled"}
    assert {m["from"] for m in moves} <= {"local_authority", "nhs"}
    assert "home_care" in {s for m in moves for s in m["services"]}
    pooled_rise = readout.differences(cmp).loc[("integrated", "cost_pooled"), "difference"]
    assert sum(m["amount"] for m in moves) <= pooled_rise * (1 + 1e-9)
    # What moved out of the council cannot exceed what the council stopped paying for
    # those services.
    year = 365 / cmp.results["fragmented"].params.run.days
    base = cmp.results["fragmented"].cost_by_payer() * year
    alt = cmp.results["integrated"].cost_by_payer() * year
    for m in moves:
        fell = sum(base.loc[s, m["from"]] - alt.loc[s, m["from"]] for s in m["services"])
        assert m["amount"] <= fell * (1 + 1e-9)
    text = squash(page.text["who-pays"])
    assert "is now paid by the pooled budget" in text
    assert "not a saving" in text
    for m in moves:
        assert F.gbp(m["amount"]) in text


def test_assumptions_list_every_differing_lever_with_unit_and_source(cmp, page):
    # Resolved: a blank capacity that follows a lever (discharge-to-assess bridging places and
    # interim beds) differs between the scenarios and is listed with the levers.
    a, b = (cmp.results[n].params.resolved() for n in SCENARIOS)
    leaves = {p: info for p, info, _ann in iter_fields() if p not in ("name", "description")}

    def value(params, path):
        obj = params
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj

    differ = {p for p in leaves if value(a, p) != value(b, p)}
    assert differ and differ == set(page.data["differing_settings"])
    text = squash(page.text["assumptions"])
    for path in differ:
        extra = leaves[path].json_schema_extra
        assert path in text
        assert squash(extra["source"])[:40] in text, path
        assert squash(extra["unit"]) in text, path
    # Levers that differ bring their effects into play; weak ones are named on page 1.
    weak = page.data["weak_evidence_in_play"]
    assert "levers.key_worker_effect" in weak
    kw = b.levers.key_worker_effect
    assert isinstance(kw, UncertainEffect) and kw.mean == 0
    summary = squash(page.text["summary"])
    assert "Weak evidence" in summary and "key worker" in summary and "(no effect)" in summary


def test_run_settings_and_stress_des_filled_from_the_run(page):
    text = squash(page.text["assumptions"])
    for needle in ("4,000", "120 days", "60 days", "2026 (common random numbers",
                   "population.size=4000", "run.days=120", "git commit"):
        assert needle in text, needle
    stress = squash(page.text["stress-des"])
    items = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5.1", "2.5.2", "2.5.3",
             "2.5.4", "2.5.5", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.1", "5.2",
             "5.3", "5.4", "6.1"]
    positions = [stress.find(f" {i} ") for i in items]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    for needle in ("warm-up of 60 days", "120 days of results", "3 replications",
                   "seed 2026", "docs/model.md §5", "Monks et al. 2019"):
        assert needle in stress, needle


def test_validation_status(cmp, page, tmp_path):
    summary = squash(page.text["summary"])
    assert "2 of 3 targets are within tolerance" in summary
    assert "still at home 91 days after reablement" in summary
    assert "validation" in page.text and "Mean length of stay" in page.text["validation"]
    absent = board.build_report(cmp, validation_csv=tmp_path / "none.csv")
    assert "validation" not in [s.id for s in absent.sections]
    assert "Not yet validated" in _plain(absent.sections[0])
    bad = tmp_path / "bad.csv"
    bad.write_text("target,score\nx,1\n")
    broken = board.build_report(cmp, validation_csv=bad)
    assert "could not be read" in _plain(broken.sections[0])


def _plain(section) -> str:
    out = []
    for block in section.blocks:
        for text in getattr(block, "items", None) or [getattr(block, "text", "")]:
            out.append("".join(r if isinstance(r, str) else r.text for r in text))
    return squash(" ".join(out))


def test_one_scenario_is_not_a_comparison(cmp):
    single = sim.Comparison({"fragmented": cmp.results["fragmented"]}, cmp.seed, "fragmented")
    with pytest.raises(ConfigError, match="two or more|at least one more"):
        board.build_report(single)


# ------------------------------------------------------------------------------------------
def test_report_method_writes_html_and_pdf(written, tmp_path, cmp):
    assert set(written) == {"html", "pdf"}
    assert written["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert written["pdf"].read_bytes().startswith(b"%PDF")
    only_html = cmp.report(tmp_path / "only.html")
    assert set(only_html) == {"html"} and not (tmp_path / "only.pdf").exists()


def test_pdf_has_the_expected_pages(written):
    reader = PdfReader(written["pdf"])
    n = len(reader.pages)
    outline = [(o.title, reader.get_destination_page_number(o)) for o in reader.outline]
    titles = [t for t, _p in outline]
    assert titles[:6] == ["Summary", "Who pays, who saves", "Flows and capacity",
                          "Assumptions", "Appendix A: all measures",
                          "Appendix B: STRESS-DES reporting checklist"]
    starts = [p for _t, p in outline]
    assert starts[0] == 0 and starts[1] == 1, "the summary fills exactly page 1"
    assert starts == sorted(set(starts)), "every section starts on a new page"
    assert len(outline) <= n <= 16
    texts = [reader.pages[i].extract_text() for i in range(n)]
    assert "Board report".upper() in texts[0] and "page 1 of" in texts[0]
    assert f"page {n} of {n}" in texts[-1]
    for title, start in outline[1:]:
        assert squash(title) in squash(texts[start]), title
    # Who gains and who loses: the table by age band and frailty closes the flows section.
    flows = range(starts[2], starts[3])
    assert any(squash("Who gains and who loses") in squash(texts[i])
               and squash("Severe frailty") in squash(texts[i]) for i in flows)
    # The PDF shows the same headline numbers as the HTML written with it.
    html = Page.parse(written["html"].read_text(encoding="utf-8"))
    first = re.sub(r"\s+", "", texts[0]).replace("\u2212", "-")
    shown = [n["text"] for n in html.nums if n["section"] == "summary"
             and n["source"].startswith("diff:")]
    assert len(shown) >= 20
    for text in shown:
        assert re.sub(r"\s+", "", text).replace("\u2212", "-") in first, text


def test_pdf_pages_render(written, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; .ci/run installs it")
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "30", "-png", str(written["pdf"]), str(tmp_path / "p")],
                   check=True, capture_output=True, timeout=120)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(PdfReader(written["pdf"]).pages)
    for png in pngs:
        with Image.open(png) as im:
            grey = im.convert("L")
            ink = sum(grey.histogram()[:160]) / (grey.width * grey.height)
        assert ink > 0.005, f"{png.name} looks blank"


# ------------------------------------------------------------------------------------------
def test_report_from_a_results_folder(cmp, tmp_path, capsys):
    folder = sim.write_comparison(cmp, root=tmp_path / "results")
    loaded, meta = board.load_comparison(folder.parent)  # the newest run inside
    assert Path(meta["folder"]) == folder
    pd.testing.assert_frame_equal(loaded.differences(), cmp.differences(), rtol=1e-12)
    assert board.main([str(folder), "--out", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "report built in" in out
    html = Page.parse((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    for rec in html.data["headline"]:
        assert rec["difference"] == pytest.approx(readout.differences(cmp).loc[
            (rec["scenario"], rec["metric"]), "difference"], rel=1e-12)
    assert "Results folder" in html.text["assumptions"]
    one = sim.write_results(cmp.results["fragmented"], root=tmp_path / "single")
    assert board.main([str(one)]) == 2
    assert "not a comparison" in capsys.readouterr().err


def test_command_line_runs_scenarios(tmp_path, capsys):
    out = tmp_path / "cli.html"
    code = board.main(["--scenarios", *SCENARIOS, "--replications", "2", "--seed", "7",
                       "--override", *SMALL, "--out", str(out), "--no-save", "--no-pdf"])
    assert code == 0
    assert "simulation" in capsys.readouterr().out
    html = Page.parse(out.read_text(encoding="utf-8"))
    assert html.data["seed"] == 7 and html.data["replications"] == {"fragmented": 2,
                                                                     "integrated": 2}
    assert not out.with_suffix(".pdf").exists()
    assert board.main(["--scenarios", "fragmented", "--override", *SMALL, "--no-save"]) == 2


# ------------------------------------------------------------------------------------------
def test_numbers_are_formatted_for_people():
    assert F.gbp(1_234_567) == "£1.2m"
    assert F.gbp(150_400_000) == "£150m"
    assert F.gbp(350_400) == "£350k"
    assert F.gbp(2_824) == "£2,824"
    assert F.gbp(-9_900_000, signed=True) == "\u2212£9.9m"
    assert F.gbp_range(-2e5, -5e5, 1e4) == ("\u2212£200k", "\u2212£500k", "+£10k")
    assert F.gbp_range(-6.64e6, -8.75e6, -4.54e6) == ("\u2212£6.6m", "\u2212£8.8m", "\u2212£4.5m")
    assert F.gbp_range(-1.6e6, -2e6, 4e4)[2] == "+£0.04m"
    assert F.number(12_345.6) == "12,346" and F.number(2.34) == "2.3"
    assert F.pct(-0.301) == "30%" and F.pct(0.061) == "6.1%"
    assert F.pct(0.2, signed=True) == "+20%" and F.points(0.157) == "15.7"
    assert F.plain_value(True) == "on" and F.plain_value(0.5, "share") == "50%"
    assert F.plain_value(50_000, "people") == "50,000"


# ------------------------------------------------------------------------------------------
# Whose system, and how many people each scenario simulated
# ------------------------------------------------------------------------------------------
TINY = ["population.size=2000", "run.days=30", "run.warmup_days=10", "acute.beds=40"]


def test_national_baseline_says_defaults_scaled(page):
    lead = squash(page.text["summary"])
    assert "national defaults scaled to 4,000 people aged 65+" in lead
    assert "local area" not in lead


def test_growth_scenario_shows_the_people_it_simulated():
    grown = sim.load_scenario("fragmented", overrides=[*TINY, "population.projection_years=10"])
    cmp = sim.compare({"fragmented": sim.load_scenario("fragmented", overrides=TINY),
                       "grown": grown}, replications=2, seed=3)
    size = readout.simulated_population(grown)
    assert size > 2000 * 1.15  # ten years of growth: the run simulates more than it starts with
    page = Page.parse(board.render_html(cmp))
    lead = squash(page.text["summary"])
    assert f"fragmented 2,000; grown {size:,} people aged 65+" in lead
    people = {n["source"]: n["text"] for n in page.nums if n["source"].startswith("people:")}
    assert people == {"people:fragmented": "2,000", "people:grown": f"{size:,}"}
    # The Population and capacity table has one simulated population per column.
    table = squash(page.text["assumptions"])
    assert f"People aged 65+ simulated (after growth) 2,000 {size:,}" in table
    assert f"fragmented: 2,000; grown: {size:,}" in table  # run settings
    assert page.data["run"]["population_simulated"] == {"fragmented": 2000, "grown": size}


def test_local_area_baseline_is_named_with_its_sources():
    area = sim.area.EXAMPLE
    over = [*TINY, "census=null"]
    cmp = sim.compare({"mine": sim.load_area(area, overrides=over),
                       "integrated": sim.load_scenario("integrated", overrides=over, area=area)},
                      replications=2, seed=3)
    place = cmp.results["mine"].params.place
    assert place is not None and place.name == "example_area" and "ONS" in place.sources
    page = Page.parse(board.render_html(cmp))
    lead = squash(page.text["summary"])
    assert "for the local area example_area, with figures from ONS Census 2021" in lead
    assert "national defaults" not in lead
    # The full description and sources are under Assumptions.
    assert squash(place.sources) in squash(page.text["assumptions"])
    assert squash(place.description.rstrip(".")) in squash(page.text["assumptions"])
    assert page.data["run"]["place"].startswith("the local area example_area")
