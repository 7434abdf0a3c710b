"""Population accounts by age band: who joins, who moves up a band, so the mix holds its course.

England's age mix today is not the equilibrium of today's death rates: the post-war cohorts
are passing through the 70s, so letting everyone simply grow older would drift the mix (the
85+ share would rise from 14% to 18% in four years with no growth at all). A planner's
"zero growth" means today's size and today's age mix held; "growth" means each band grows as
the ONS projects (the 85+ faster than the 65+ as a whole).

So each band has a target size: its starting size grown at its own rate. Every week the
accounts set two flows per band so that the band replaces its deaths (those of the past
quarter, smoothed), grows at its rate and closes any gap to its target within half a year:
people joining at 65 and people moving up from the band below. Those who move up are drawn
with the frailty mix of the oldest two years of the band at the start (the frailest are the
oldest), leaning towards the frailty levels the band has too many of and the band above too
few, so that today's mix of frailty within each band holds as well as the age mix.
The flows are Poisson within the week. Deaths are not touched: who dies, and when, stays the
business of each person's own clocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..population import HOME, Person, StartingPopulation, new_person
from ..rng import Stream

if TYPE_CHECKING:
    from ..engine import Model

STEP_DAYS = 7.0
DEATH_SMOOTHING_DAYS = 91.0   # deaths replaced are those of about the past quarter
GAP_CLOSING_DAYS = 182.0      # a gap to the target band size closes over about half a year
FRAILTY_PULL = 4.0            # how hard movers are drawn from over-represented frailty levels


class Demography:
    def __init__(self, m: Model):
        self.m = m
        # Members by [age band][frailty], for O(1) joining, leaving and drawing at random.
        self.members: list[list[list[Person]]] = [[[] for _ in range(4)] for _ in range(3)]
        self.sizes = [0, 0, 0]  # members of each band, kept as they join and leave
        self.crossing_mix = [[0.25] * 4, [0.25] * 4, [0.25] * 4]
        self.frailty_mix0 = [[0.25] * 4, [0.25] * 4, [0.25] * 4]
        self.targets0 = [0.0, 0.0, 0.0]
        self.growth = [g / 365.0 for g in m.p.population.band_growth_per_year]
        self.deaths_per_day = [0.0, 0.0, 0.0]
        self._deaths_this_step = [0, 0, 0]
        self.entry_band = 0

    # ------------------------------------------------------------------ membership
    def size(self, band: int) -> int:
        return self.sizes[band]

    def join(self, person: Person) -> None:
        band = self.members[person.band][person.frailty]
        person.band_slot = len(band)
        band.append(person)
        self.sizes[person.band] += 1

    def leave(self, person: Person) -> None:
        """Remove in O(1): the last member of the group takes the leaver's slot."""
        band = self.members[person.band][person.frailty]
        last = band.pop()
        if last is not person:
            band[person.band_slot] = last
            last.band_slot = person.band_slot
        person.band_slot = -1
        self.sizes[person.band] -= 1

    def died(self, person: Person) -> None:
        self._deaths_this_step[person.band] += 1
        self.leave(person)

    def frailer(self, person: Person) -> None:
        """The person moves up one frailty level, and so gains a long-term condition: the
        population is drawn with one more condition per frailty level."""
        self.leave(person)
        person.frailty += 1
        person.conditions += 1
        self.join(person)
        self.m.regrouped(person, person.band, person.frailty - 1)

    def start(self, start: StartingPopulation, expected_deaths: list[float]) -> None:
        for person in start.people:
            self.join(person)
        self.targets0 = [float(self.size(b)) for b in range(3)]
        for band in range(3):
            if self.targets0[band] > 0:
                self.frailty_mix0[band] = [len(g) / self.targets0[band]
                                           for g in self.members[band]]
        for band, edge in ((0, 75.0), (1, 85.0)):
            near = (start.ages >= edge - 2.0) & (start.ages < edge)
            counts = np.bincount(start.frailty[near], minlength=4).astype(float)
            if counts.sum() > 0:
                self.crossing_mix[band] = (counts / counts.sum()).tolist()
        self.deaths_per_day = list(expected_deaths)
        # Nobody in the youngest bands (a test population of the very old): join the first
        # band that has people.
        self.entry_band = next((b for b in range(3) if self.targets0[b] > 0), 0)

    def target(self, band: int, t: float) -> float:
        yearly = 1.0 + self.growth[band] * 365.0
        return self.targets0[band] * yearly ** (t / 365.0) if yearly > 0 else 0.0

    def flows(self, t: float) -> list[float]:
        """People per day into each band: ``[joining at 65, 65-74 to 75-84, 75-84 to 85+]``."""
        need = 0.0
        flow = [0.0, 0.0, 0.0]
        for b in (2, 1, 0):
            target = self.target(b, t)
            need += (self.deaths_per_day[b] + self.growth[b] * target
                     + (target - self.size(b)) / GAP_CLOSING_DAYS)
            flow[b] = max(need, 0.0)
        return flow

    # ------------------------------------------------------------------ the process
    def _week_streams(self, week: int) -> tuple[Stream, Stream, np.random.Generator]:
        """Fresh streams for each week's joiners and movers, keyed by the week: scenarios
        compared draw the same luck every week even when their flows differ a little
        (common random numbers survive the feedback on deaths)."""
        seq = self.m.rs.seed_sequence

        def gen(k: int) -> np.random.Generator:
            child = np.random.SeedSequence(entropy=seq.entropy,
                                           spawn_key=(*seq.spawn_key, 7919, week, k))
            return np.random.Generator(np.random.PCG64(child))
        return Stream(gen(0)), Stream(gen(1)), gen(2)

    def run(self):
        m = self.m
        env = m.env
        weight = STEP_DAYS / DEATH_SMOOTHING_DAYS
        week = 0
        while True:
            now = env.now
            if week:
                for b in range(3):
                    observed = self._deaths_this_step[b] / STEP_DAYS
                    self.deaths_per_day[b] += (observed - self.deaths_per_day[b]) * weight
                self._deaths_this_step = [0, 0, 0]
            joining, moving, people = self._week_streams(week)
            week += 1
            flow = self.flows(now + STEP_DAYS / 2.0)
            # Poisson numbers for the week, spread uniformly over it.
            events = []
            for b in range(3):
                stream = joining if b == 0 else moving
                k = int(stream.gen.poisson(flow[b] * STEP_DAYS)) if flow[b] > 0 else 0
                events.extend((now + STEP_DAYS * stream.uniform(), b) for _ in range(k))
            events.sort()
            for when, b in events:
                if when > env.now:
                    yield env.timeout(when - env.now)
                if b == 0:
                    self._enter(joining, people)
                else:
                    self._move_up(b - 1, moving)
            rest = now + STEP_DAYS - env.now
            if rest > 0:
                yield env.timeout(rest)

    def _enter(self, stream: Stream, gen: np.random.Generator) -> None:
        m = self.m
        mix = m.p.population.frailty_mix
        young = [mix.fit + 0.15, mix.mild, max(mix.moderate - 0.10, 0.0),
                 max(mix.severe - 0.05, 0.0)]
        frailty = stream.choice(young)
        person = new_person(m.next_pid(), m.env.now, self.entry_band, frailty, gen, m.p)
        m.add_person(person)
        self.join(person)
        m.community.offer_key_worker(person)
        m.community.schedule(person)

    def _move_up(self, band: int, ageing) -> None:
        groups = self.members[band]
        if self.entry_band > band:
            return
        # Each frailty level is weighed by its excess in this band over its excess in the
        # band above, an excess being (members + 1) / (the band's size now times the level's
        # starting share + 1).
        upper = self.members[band + 1]
        size, size_up = self.sizes[band], self.sizes[band + 1]
        mix, mix_up = self.frailty_mix0[band], self.frailty_mix0[band + 1]
        weights = [w * (((len(groups[f]) + 1.0) / (mix[f] * size + 1.0))
                        / ((len(upper[f]) + 1.0) / (mix_up[f] * size_up + 1.0))) ** FRAILTY_PULL
                   if groups[f] else 0.0 for f, w in enumerate(self.crossing_mix[band])]
        if sum(weights) <= 0:
            weights = [float(len(g)) for g in groups]
            if sum(weights) <= 0:
                return
        members = groups[ageing.choice(weights)]
        person = members[min(int(ageing.uniform() * len(members)), len(members) - 1)]
        self.leave(person)
        person.band += 1
        self.join(person)
        self.m.regrouped(person, person.band - 1, person.frailty)
        # An older band carries more risk: risk stratification may now pick the person.
        self.m.community.offer_key_worker(person)
        if person.location == HOME:
            # Rates at home depend on the band: redraw the pending clocks.
            self.m.community.schedule(person)

