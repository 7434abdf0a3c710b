"""Money as a finance director reads it: cash and capacity released, each partner net of the
pooled budget, fixed and variable, year by year, per head.

The engine books costs (``sim.costs.book_costs``: by service, payer, kind and year); this
module reads finished results. A change between two scenarios splits into

* **cash**: money that moves (packages and placements bought, variable costs, capacity added
  or decommissioned, lever running costs), less the ward cost of acute beds the scenario
  closes (``costs.release_acute_beds``);
* **capacity released**: fixed-capacity use freed (acute and intermediate care bed days,
  reablement place days) valued at its fixed cost. It is still paid for, so it is not cash
  unless the capacity is cut.

The pooled budget is where money moved, never a saving: each partner's change is its own
spending, plus its contribution to the pool, giving its net change. Every money figure is in
one price year (``costs.price_year``), which :func:`money_note` states.

Every surface (app, board report, command line) lays out the tables and sentences here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..census import warmup_days_used
from . import fmt as F
from .catalogue import PAYER, TOTAL_ROW
from .stats import paired, t_interval
from .verdict import verdict
from .words import _sig_for, magnitude, run_length

if TYPE_CHECKING:
    from ..runner import Comparison, Results

YEAR = 365.0
PARTNERS = ("nhs", "local_authority")
PAYER_KEYS = ("nhs", "local_authority", "pooled")
KINDS = {"fixed": "Fixed (paid whether used or not)", "variable": "Variable (per use)"}
# The columns of the cash / capacity split, as every surface heads them.
SPLIT_COLUMNS = {
    "own": "Own spending (cash)",
    "into_pool": "Into the pooled budget",
    "net": "Net cash change",
    "capacity": "Capacity released (valued, not cash)",
}


# --------------------------------------------------------------------------------------------
# Per replication
# --------------------------------------------------------------------------------------------
def _payer_totals(res: Results) -> pd.DataFrame:
    """Cost per replication (rows) by payer (columns), every payer present."""
    idx = pd.Index(res.kpis["replication"].tolist(), name="replication")
    if res.costs is None or res.costs.empty:
        return pd.DataFrame(0.0, index=idx, columns=list(PAYER_KEYS))
    t = res.costs.pivot_table(index="replication", columns="payer", values="cost",
                              aggfunc="sum", fill_value=0.0)
    return t.reindex(index=idx, columns=list(PAYER_KEYS), fill_value=0.0)


def _years(res: Results) -> float:
    return res.params.run.days / YEAR


def _interval_row(label: dict[str, Any], values: list[float], prefix: str,
                  level: float) -> dict[str, Any]:
    ci = t_interval(values, level)
    label.update({prefix: ci["mean"], f"{prefix}_ci_low": ci["ci_low"],
                  f"{prefix}_ci_high": ci["ci_high"]})
    return label


def freed_capacity_value(base: Results, alt: Results) -> pd.DataFrame:
    """Per replication and payer: fixed-capacity use freed in ``alt`` (valued at the fixed
    cost per unit-day, GBP per year) and the part of it turned into cash by released beds."""
    pa = alt.params
    c = pa.costs
    share = pa.levers.pooled_budget_share
    kb = base.kpis.set_index("replication")
    ka = alt.kpis.set_index("replication")
    common = kb.index.intersection(ka.index)
    years = _years(alt)
    ward_fixed = c.acute_bed_day * (1 - c.acute_occupied_share)
    rows = []
    for r in common:
        acute = (kb.at[r, "acute_bed_days"] - ka.at[r, "acute_bed_days"])
        ic = (kb.at[r, "intermediate_care_bed_days"] - ka.at[r, "intermediate_care_bed_days"])
        reab = kb.at[r, "reablement_place_days"] - ka.at[r, "reablement_place_days"]
        freed_acute = acute * ward_fixed
        # Closing beds turns freed bed days into cash, never more than were freed.
        released_days = min(c.release_acute_beds * pa.run.days, max(acute, 0.0))
        cash_release = released_days * ward_fixed
        ic_value = ic * c.intermediate_care_bed_day
        reab_value = reab * c.reablement_place_year / YEAR
        rows.append({
            "replication": r,
            "nhs": (freed_acute + ic_value * (1 - share)) / years,
            "local_authority": reab_value * (1 - share) / years,
            "pooled": (ic_value + reab_value) * share / years,
            "released_cash_nhs": cash_release / years,
            "freed_acute_bed_days": acute / years,
            "released_acute_bed_days": released_days / years,
        })
    return pd.DataFrame(rows).set_index("replication")


def cash_and_capacity(base: Results, alt: Results, level: float = 0.95) -> pd.DataFrame:
    """Split the cost change from ``base`` to ``alt`` (paired, per year) by payer into cash
    and capacity released (see the module note). Positive capacity released means freed."""
    years = _years(alt)
    tb, ta = _payer_totals(base), _payer_totals(alt)
    common = tb.index.intersection(ta.index)
    delta = (ta.loc[common] - tb.loc[common]) / years
    freed = freed_capacity_value(base, alt).reindex(common)
    rows = []
    for payer in (*PAYER_KEYS, "total"):
        if payer == "total":
            cash = delta.sum(axis=1) - freed["released_cash_nhs"]
            cap = freed[list(PAYER_KEYS)].sum(axis=1) - freed["released_cash_nhs"]
        else:
            release = freed["released_cash_nhs"] if payer == "nhs" else 0.0
            cash = delta[payer] - release
            cap = freed[payer] - release
        row = _interval_row({"payer": payer}, cash.tolist(), "cash_change", level)
        row = _interval_row(row, cap.tolist(), "capacity_released", level)
        rows.append(row)
    out = pd.DataFrame(rows).set_index("payer")
    out.attrs.update(price_year=alt.params.costs.price_year, per="year",
                     freed_acute_bed_days=float(freed["freed_acute_bed_days"].mean()),
                     released_acute_bed_days=float(freed["released_acute_bed_days"].mean()))
    return out


def partner_costs(res: Results) -> pd.DataFrame:
    """Per replication and partner (NHS, council): own cost, contribution to the pooled
    budget and net cost after it, per year. The pool is where money moved, not a saving."""
    share = res.params.levers.pooled_budget_nhs_contribution
    t = _payer_totals(res) / _years(res)
    rows = []
    for r, row in t.iterrows():
        for partner, part in (("nhs", share), ("local_authority", 1.0 - share)):
            contribution = row["pooled"] * part
            rows.append({"replication": r, "partner": partner, "own_cost": row[partner],
                         "contribution_to_pool": contribution,
                         "net_cost": row[partner] + contribution})
    return pd.DataFrame(rows)


def partner_changes(base: Results, alt: Results, level: float = 0.95) -> pd.DataFrame:
    """Paired change per partner in own cost, pool contribution and net cost, per year."""
    pb = partner_costs(base).set_index(["replication", "partner"])
    pa = partner_costs(alt).set_index(["replication", "partner"])
    common = pb.index.intersection(pa.index)
    d = pa.loc[common] - pb.loc[common]
    rows = []
    for partner in PARTNERS:
        sub = d.xs(partner, level="partner")
        row: dict[str, Any] = {"partner": partner}
        for col in ("own_cost", "contribution_to_pool", "net_cost"):
            row = _interval_row(row, sub[col].tolist(), col, level)
        rows.append(row)
    return pd.DataFrame(rows).set_index("partner")


def costs_by_year(res: Results, rate: float | None = None) -> pd.DataFrame:
    """Mean cost in each year of the run by payer and kind, undiscounted and discounted at the
    Green Book rate (year 1 undiscounted), with a total row for each payer and kind."""
    rate = res.params.costs.discount_rate if rate is None else rate
    if res.costs is None or res.costs.empty:
        return pd.DataFrame(columns=["year", "payer", "kind", "cost", "discounted"])
    n = max(res.replications, 1)
    t = res.costs.groupby(["year", "payer", "kind"])["cost"].sum().div(n).reset_index()
    t["discounted"] = t["cost"] / (1.0 + rate) ** t["year"]
    total = t.groupby(["payer", "kind"])[["cost", "discounted"]].sum().reset_index()
    total["year"] = "total"
    t["year"] = t["year"].astype(int) + 1
    out = pd.concat([t, total], ignore_index=True)[["year", "payer", "kind", "cost",
                                                    "discounted"]]
    out.attrs.update(price_year=res.params.costs.price_year, discount_rate=rate)
    return out


# Published English spend per person aged 65+ a year (2024/25 prices), for the validation
# report: where the fragmented default's per-head costs should fall. evidence/unit_costs.csv
# gives the derivation of each band.
PER_HEAD_BANDS = {
    "nhs_emergency": (900.0, 1350.0, "NHS non-elective admissions and A&E for people 65+, "
                      "National Cost Collection 2023/24 and HES 2023/24 (evidence/"
                      "unit_costs.csv: per_head_nhs_emergency_65)"),
    "council_net": (750.0, 1050.0, "Council adult social care net spend on people 65+, "
                    "NHS England ASC-FR 2023-24 (evidence/unit_costs.csv: "
                    "per_head_council_net_65)"),
    "council_gross": (1100.0, 1450.0, "Council adult social care gross spend on people 65+, "
                      "NHS England ASC-FR 2023-24 (evidence/unit_costs.csv: "
                      "per_head_council_gross_65)"),
}
EMERGENCY_SERVICES = ("a_and_e", "acute", "escalation_beds")


def per_head(res: Results, level: float = 0.95) -> pd.DataFrame:
    """Cost per person 65+ per year: NHS (all, and emergency care alone), council net of
    client contributions, and the council's net cost after its pool contribution, each with
    its published band where one exists."""
    k = res.kpis.set_index("replication")
    person_years = k["population_mean"] * res.params.run.days / YEAR
    share = res.params.levers.pooled_budget_nhs_contribution
    tot = _payer_totals(res)
    emergency = (res.costs[res.costs["service"].isin(EMERGENCY_SERVICES)
                           & (res.costs["payer"] == "nhs")]
                 .groupby("replication")["cost"].sum().reindex(tot.index, fill_value=0.0)
                 if not res.costs.empty else tot["nhs"] * 0.0)
    series = {
        "nhs": tot["nhs"] + tot["pooled"] * share,
        "nhs_emergency": emergency,
        "council_net": tot["local_authority"] + tot["pooled"] * (1 - share),
    }
    rows = []
    for name, values in series.items():
        per = (values / person_years.reindex(values.index)).tolist()
        low, high, source = PER_HEAD_BANDS.get(name, (math.nan, math.nan, ""))
        row = _interval_row({"measure": name}, per, "per_head", level)
        row.update(band_low=low, band_high=high, source=source,
                   inside=bool(low <= row["per_head"] <= high) if source else None)
        rows.append(row)
    out = pd.DataFrame(rows).set_index("measure")
    out.attrs.update(price_year=res.params.costs.price_year)
    return out


# --------------------------------------------------------------------------------------------
# What a surface shows
# --------------------------------------------------------------------------------------------
def price_year(cmp: Comparison) -> str:
    """The price year every money figure of the comparison is in ("2024/25")."""
    years = list(dict.fromkeys(r.params.costs.price_year for r in cmp.results.values()))
    return " and ".join(years)


def money_note(cmp: Comparison) -> str:
    """The caption line every money figure carries: price year and run length."""
    p = cmp.results[cmp.baseline].params
    return (f"All money in {price_year(cmp)} prices (HM Treasury GDP deflator); "
            f"{run_length(p.run.days, warmup_days_used(p) or None)}.")


def _split_frame(base: Results, alt: Results) -> pd.DataFrame:
    """Per replication and row (NHS, council, pooled budget, total): own spending (cash),
    change in contribution to the pool, net cash change and capacity released, per year."""
    years_b, years_a = _years(base), _years(alt)
    tb, ta = _payer_totals(base) / years_b, _payer_totals(alt) / years_a
    common = tb.index.intersection(ta.index)
    tb, ta = tb.loc[common], ta.loc[common]
    d = ta - tb
    freed = freed_capacity_value(base, alt).reindex(common).fillna(0.0)
    release = freed["released_cash_nhs"]
    sb = base.params.levers.pooled_budget_nhs_contribution
    sa = alt.params.levers.pooled_budget_nhs_contribution
    into = {"nhs": ta["pooled"] * sa - tb["pooled"] * sb,
            "local_authority": ta["pooled"] * (1 - sa) - tb["pooled"] * (1 - sb)}
    cap_share = {"nhs": sa, "local_authority": 1 - sa}
    parts = []
    for key in PARTNERS:
        own = d[key] - (release if key == "nhs" else 0.0)
        cap = freed[key] + cap_share[key] * freed["pooled"] - (
            release if key == "nhs" else 0.0)
        parts.append(pd.DataFrame({"row": key, "own": own, "into_pool": into[key],
                                   "net": own + into[key], "capacity": cap}))
    # The pool spends what the partners put in: its own change is funded above, net zero.
    parts.append(pd.DataFrame({"row": "pooled", "own": d["pooled"], "into_pool": -d["pooled"],
                               "net": 0.0 * d["pooled"], "capacity": math.nan}))
    own_total = d.sum(axis=1) - release
    cap_total = freed[list(PAYER_KEYS)].sum(axis=1) - release
    parts.append(pd.DataFrame({"row": "total", "own": own_total, "into_pool": 0.0 * own_total,
                               "net": own_total, "capacity": cap_total}))
    out = pd.concat(parts)
    out.index.name = "replication"
    out.attrs.update(freed_acute_bed_days=freed["freed_acute_bed_days"],
                     released_acute_bed_days=freed["released_acute_bed_days"])
    return out


ROW_NAMES = {"nhs": "NHS", "local_authority": "Council", "pooled": "Pooled budget",
             "total": TOTAL_ROW}


def split_table(cmp: Comparison, baseline: str | None = None) -> pd.DataFrame:
    """For each alternative: per row (NHS, council, pooled budget, total) the paired change
    a year in own spending (cash), contribution to the pooled budget, net cash change and
    capacity released (valued, not cash), each with its 95% CI.

    Columns: scenario, row_key, row, and for each of own, into_pool, net, capacity the mean
    and ``_low`` / ``_high``. The pooled budget's row nets to zero: its spending is funded by
    the partners' contributions above it. ``attrs`` hold the acute bed days freed and
    released a year per scenario.
    """
    base = baseline or cmp.baseline
    rows = []
    beds: dict[str, dict[str, float]] = {}
    for name, res in cmp.results.items():
        if name == base:
            continue
        frame = _split_frame(cmp.results[base], res)
        days = res.params.run.days
        freed = frame.attrs["freed_acute_bed_days"]
        released = frame.attrs["released_acute_bed_days"]
        beds[name] = {"freed_bed_days": float(freed.mean()) if len(freed) else math.nan,
                      "released_bed_days": float(released.mean()) if len(freed) else math.nan,
                      "days": float(days)}
        for key, grp in frame.groupby("row", sort=False):
            row: dict[str, Any] = {"scenario": name, "row_key": key, "row": ROW_NAMES[key]}
            for col in SPLIT_COLUMNS:
                vals = grp[col].tolist()
                if all(math.isnan(v) for v in vals):
                    row.update({col: math.nan, f"{col}_low": math.nan,
                                f"{col}_high": math.nan})
                else:
                    ci = t_interval(vals)
                    row.update({col: ci["mean"], f"{col}_low": ci["ci_low"],
                                f"{col}_high": ci["ci_high"]})
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(beds=beds, price_year=price_year(cmp))
    return out


def _cell(x: float, lo: float, hi: float) -> str:
    if F.missing(x):
        return ""
    if F.missing(lo) or F.missing(hi):
        return F.gbp(x, signed=True)
    est, a, b = F.gbp_range(x, lo, hi)
    return f"{est} ({a} to {b})"


def split_frame(cmp: Comparison, scenario: str) -> pd.DataFrame:
    """:func:`split_table` for one alternative, formatted as every surface shows it (rows:
    NHS, Council, Pooled budget, Total; cells: change a year with its 95% CI)."""
    t = split_table(cmp)
    t = t[t["scenario"] == scenario]
    shown = pd.DataFrame(
        {label: [_cell(r[c], r[f"{c}_low"], r[f"{c}_high"]) for r in t.to_dict("records")]
         for c, label in SPLIT_COLUMNS.items()},
        index=pd.Index(t["row"].tolist(), name="Partner"))
    return shown


@dataclass(frozen=True)
class Fig:
    """A number inside a sentence: the text shown, the exact value (signed, per year) and the
    field of :func:`split_table` it comes from (or ``freed_bed_days`` / ``beds``)."""

    text: str
    value: float
    field: str


Part = str | Fig


def _money(x: float, field: str, sig: int = 2) -> Fig:
    return Fig(magnitude("money", x, sig), x, field)


def _change(r: dict[str, Any], col: str, more: str = "more", less: str = "less"
            ) -> list[Part]:
    """'about £700,000 more a year (95% CI £460,000 to £940,000 more)', or 'no clear change:
    between £130,000 less and £1,000,000 more a year' when the interval includes zero."""
    d, lo, hi = r[col], r[f"{col}_low"], r[f"{col}_high"]
    if F.missing(d):
        return ["not measured"]
    code = verdict("cost_total", d, lo, hi)
    if code == "same" or (d == 0 and (F.missing(lo) or F.missing(hi))):
        return ["no change"]
    word = more if d > 0 else less
    if F.missing(lo) or F.missing(hi):
        return ["about ", _money(d, col), f" {word} a year (too few replications for a range)"]
    if code == "unclear":
        sig = _sig_for("money", abs(lo), abs(hi))
        return ["no clear change: between ", _money(lo, f"{col}_low", sig), f" {less} and ",
                _money(hi, f"{col}_high", sig), f" {more} a year"]
    (a, fa), (b, fb) = sorted(((lo, "low"), (hi, "high")), key=lambda x: abs(x[0]))
    sig = _sig_for("money", abs(a), abs(b))
    return ["about ", _money(d, col, sig), f" {word} a year (95% CI ",
            _money(a, f"{col}_{fa}", sig), " to ", _money(b, f"{col}_{fb}", sig), f" {word})"]


def _capacity(r: dict[str, Any]) -> list[Part]:
    """Capacity released in words: valued, never called cash."""
    d, lo, hi = r["capacity"], r["capacity_low"], r["capacity_high"]
    if F.missing(d) or (d == 0 and not lo and not hi):
        return ["no capacity released"]
    word = "freed" if d > 0 else "used"
    if F.missing(lo) or F.missing(hi):
        return ["capacity worth about ", _money(d, "capacity"), f" a year {word} (not cash)"]
    if verdict("cost_total", d, lo, hi) == "unclear":
        sig = _sig_for("money", abs(lo), abs(hi))
        return ["capacity released (not cash): no clear change (best estimate ",
                _money(d, "capacity"), f" a year {word}; 95% CI from ",
                _money(lo, "capacity_low", sig), " more used to ",
                _money(hi, "capacity_high", sig), " freed)"]
    (a, fa), (b, fb) = sorted(((lo, "low"), (hi, "high")), key=lambda x: abs(x[0]))
    sig = _sig_for("money", abs(a), abs(b))
    return ["capacity worth about ", _money(d, "capacity", sig), f" a year {word} (not cash; "
            "95% CI ", _money(a, f"capacity_{fa}", sig), " to ",
            _money(b, f"capacity_{fb}", sig), ")"]


def _capital(parts: list[Part]) -> list[Part]:
    first = parts[0]
    return [first[:1].upper() + first[1:], *parts[1:]] if isinstance(first, str) else parts


@dataclass(frozen=True)
class MoneyLine:
    """One sentence of who pays: its parts (words and :class:`Fig` numbers), so the report
    can mark each number with its source and the app and command line print the text."""

    scenario: str
    row_key: str  # nhs, local_authority, total
    parts: tuple[Part, ...]
    net: float
    capacity: float

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)


def money_sentences(cmp: Comparison, scenario: str, brief: bool = False) -> list[MoneyLine]:
    """Who pays, in words, for one alternative: each partner's net cash change after its
    contribution to the pooled budget (never its own spending alone), the capacity it frees,
    and the system total. ``brief`` (page 1 of the board report): the net cash change and
    the capacity released only. The price year and run length are in :func:`money_note`."""
    t = split_table(cmp)
    beds = t.attrs["beds"].get(scenario, {})
    rows = {r["row_key"]: r for r in t[t["scenario"] == scenario].to_dict("records")}
    out = []
    for key in PARTNERS:
        r = rows[key]
        who = PAYER[key].subject
        parts: list[Part] = [f"{who[:1].upper()}{who[1:]}: ", *_change(r, "net"), " in cash"]
        if not brief:
            parts.append(", net of its contribution to the pooled budget")
        if (not brief and not F.missing(r["into_pool"])
                and abs(r["into_pool"]) >= 0.005 * max(abs(r["own"]), 1.0)):
            own_word = "less" if r["own"] < 0 else "more"
            pool_word = "more" if r["into_pool"] > 0 else "less"
            parts += [". Its own spending is ", _money(r["own"], "own"), f" {own_word} and it "
                      "pays ", _money(r["into_pool"], "into_pool"), f" {pool_word} into the pool"]
            if r["own"] < 0 < r["into_pool"]:
                parts.append("; the part that moved into the pool is a transfer, not a saving")
        if not F.missing(r["capacity"]) and (key == "nhs" or not brief):
            if brief:
                parts += ["; capacity worth about ", _money(r["capacity"], "capacity"),
                          f" a year {'freed' if r['capacity'] > 0 else 'used'} (not cash)"]
            else:
                parts += [". ", *_capital(_capacity(r))]
            if (key == "nhs" and not brief and beds
                    and not F.missing(beds.get("freed_bed_days"))):
                bd = beds["freed_bed_days"]
                parts += [", mostly ", Fig(F.plain(abs(bd)), bd, "freed_bed_days"),
                          f" acute bed days a year {'fewer' if bd > 0 else 'more'} (about ",
                          Fig(F.plain(abs(bd) / YEAR), bd / YEAR, "beds"),
                          " beds), valued at the ward's fixed cost: still paid for, so not "
                          "cash unless beds close"]
        out.append(MoneyLine(scenario, key, (*parts, "."), r["net"], r["capacity"]))
    r = rows["total"]
    parts = ["All public payers: ", *_change(r, "net"), " in cash"]
    if beds.get("released_bed_days") and not brief:
        parts += [", including the ward cost of ",
                  Fig(F.plain(beds["released_bed_days"] / YEAR), beds["released_bed_days"] / YEAR,
                      "released_beds"), " acute beds closed (costs.release_acute_beds)"]
    if not F.missing(r["capacity"]) and not brief:
        parts += ["; ", *_capacity(r)]
    out.append(MoneyLine(scenario, "total", (*parts, "."), r["net"], r["capacity"]))
    return out


def kind_table(cmp: Comparison, baseline: str | None = None) -> pd.DataFrame:
    """Cost a year by payer and kind (fixed: capacity paid for whether used or not;
    variable: per use) per scenario, and each alternative's paired change with its CI.

    Columns: payer_key, payer, kind_key, kind, scenario, mean, difference, ci_low, ci_high.
    """
    from .stats import costs_by_replication

    base = baseline or cmp.baseline
    tabs = {n: costs_by_replication(r, by=("payer", "kind")) for n, r in cmp.results.items()}
    keys = [(p, k) for p in PAYER_KEYS for k in KINDS]
    rows = []
    for payer, kind in [*keys, ("total", "fixed"), ("total", "variable"), ("total", "all")]:
        for name, tab in tabs.items():
            def col(t: pd.DataFrame) -> pd.Series:
                cols = [c for c in t.columns if (payer == "total" or c[0] == payer)
                        and (kind == "all" or c[1] == kind)]
                return t[cols].sum(axis=1) if cols else pd.Series(0.0, index=t.index)
            series = col(tab)
            row = {"payer_key": payer, "payer": ROW_NAMES[payer], "kind_key": kind,
                   "kind": KINDS.get(kind, "All"), "scenario": name,
                   "mean": float(series.mean()) if len(series) else math.nan}
            if name != base:
                d = paired(col(tabs[base]), series)
                row.update(difference=d["difference"], ci_low=d["ci_low"],
                           ci_high=d["ci_high"])
            rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=["payer_key", "payer", "kind_key", "kind",
                                              "scenario", "mean", "difference", "ci_low",
                                              "ci_high"])
    # A payer with nothing in any scenario (no pooled budget) is left out.
    used = out.groupby("payer_key")["mean"].transform(lambda s: s.abs().sum() > 0)
    return out[used].reset_index(drop=True)


def kind_frame(cmp: Comparison) -> pd.DataFrame:
    """:func:`kind_table` formatted: rows payer and kind, a column per scenario, and the
    change of each alternative with its 95% CI."""
    t = kind_table(cmp)
    names = list(cmp.results)
    rows = {}
    for (payer, kind), grp in t.groupby(["payer", "kind"], sort=False):
        g = grp.set_index("scenario")
        row = {n: F.gbp(g.at[n, "mean"]) for n in names}
        for n in names:
            if n != cmp.baseline:
                row[f"Change, {n}"] = _cell(g.at[n, "difference"], g.at[n, "ci_low"],
                                            g.at[n, "ci_high"])
        rows[(payer, kind)] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index = pd.MultiIndex.from_tuples(list(rows), names=["payer", "cost"])
    return out


def multi_year(cmp: Comparison) -> bool:
    """True when the results period spans more than one year (then costs go year by year)."""
    return any(r.params.run.days > YEAR + 1e-9 for r in cmp.results.values())


def year_table(cmp: Comparison) -> pd.DataFrame:
    """Cost in each year of the run (all public payers, mean over replications) per scenario,
    undiscounted and discounted at the Green Book rate (year 1 undiscounted), and the whole
    run's total beside them. Years are of the results period; the last may be short.

    Columns: year (1, 2, ... or "total"), days, scenario, cost, discounted, and for each
    alternative difference and discounted_difference (paired means).
    """
    rows = []
    for name, res in cmp.results.items():
        t = costs_by_year(res)
        if t.empty:
            continue
        days = res.params.run.days
        g = t.groupby("year", sort=False)[["cost", "discounted"]].sum()
        for year, r in g.iterrows():
            span = days if year == "total" else min(YEAR, days - (int(year) - 1) * YEAR)
            rows.append({"year": year, "days": span, "scenario": name,
                         "cost": float(r["cost"]), "discounted": float(r["discounted"])})
    out = pd.DataFrame(rows, columns=["year", "days", "scenario", "cost", "discounted"])
    if out.empty:
        return out
    base = out[out["scenario"] == cmp.baseline].set_index("year")
    out["difference"] = [r.cost - base.at[r.year, "cost"] if r.year in base.index else math.nan
                         for r in out.itertuples()]
    out["discounted_difference"] = [
        r.discounted - base.at[r.year, "discounted"] if r.year in base.index else math.nan
        for r in out.itertuples()]
    rate = next(iter(cmp.results.values())).params.costs.discount_rate
    out.attrs.update(discount_rate=rate, price_year=price_year(cmp))
    return out


def year_frame(cmp: Comparison) -> pd.DataFrame:
    """:func:`year_table` formatted: a row per year of the run and one for the whole run, the
    cost of each scenario undiscounted and discounted, and each alternative's change."""
    t = year_table(cmp)
    if t.empty:
        return pd.DataFrame()
    rate = t.attrs["discount_rate"]
    rows = {}
    for year, grp in t.groupby("year", sort=False):
        g = grp.set_index("scenario")
        days = float(grp["days"].iloc[0])
        if year == "total":
            label = f"Whole run ({F.number(days / YEAR, 1)} years)"
        else:
            label = f"Year {year}" + ("" if abs(days - YEAR) < 1e-9
                                      else f" ({days:,.0f} days)")
        row = {}
        for n in cmp.results:
            if n not in g.index:
                continue
            row[n] = F.gbp(g.at[n, "cost"])
            row[f"{n}, discounted"] = F.gbp(g.at[n, "discounted"])
            if n != cmp.baseline:
                row[f"Change, {n}"] = F.gbp(g.at[n, "difference"], signed=True)
                row[f"Change, {n}, discounted"] = F.gbp(g.at[n, "discounted_difference"],
                                                        signed=True)
        rows[label] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = f"Year (Green Book discount {F.pct(rate, 1)} a year)"
    return out


__all__ = [
    "EMERGENCY_SERVICES", "Fig", "KINDS", "MoneyLine", "PER_HEAD_BANDS", "SPLIT_COLUMNS",
    "cash_and_capacity", "costs_by_year", "freed_capacity_value", "kind_frame", "kind_table",
    "money_note", "money_sentences", "multi_year", "partner_changes", "partner_costs",
    "per_head", "price_year", "split_frame", "split_table", "year_frame", "year_table",
]
