"""A SimPy process that starts inside the callback creating it and ends without an event
when nobody waits for it.

``env.process(gen)`` schedules an ``Initialize`` event (urgent, at the current time) to take
the generator's first step, and the process's end schedules the process itself as an event.
For a hospital episode started by a community crisis both are pure overhead: the crisis
callback schedules nothing urgent before it starts the episode and does nothing after it, so
the ``Initialize`` event would be the very next event the environment takes, and nobody ever
waits for an episode to end. Two of the roughly eleven heap entries of an admission go.
Every other event keeps its time, priority and order of scheduling, so results are
unchanged (the golden runs check this).
"""

from __future__ import annotations

import simpy
from simpy.events import PENDING


class _Started:
    """What a process is resumed with to take its first step (as ``Initialize`` would)."""

    __slots__ = ()
    _ok = True
    _value = None


_STARTED = _Started()


class ImmediateProcess(simpy.Process):
    """A :class:`simpy.Process` whose first step runs now, in the caller.

    Only for callers that, like the community's crisis callback, are not inside another
    process's step and do nothing after starting it: anything they did afterwards would
    otherwise happen after the new process's first step instead of before it."""

    def __init__(self, env: simpy.Environment, generator) -> None:
        self.env = env
        self.callbacks = []
        self._generator = generator
        self._value = PENDING
        self._target = None
        remember = getattr(env, "remember", None)
        if remember is not None:
            remember(self)
        self._resume(_STARTED)

    def _resume(self, event) -> None:
        # SimPy 4's Process._resume, except that a successful end with nobody waiting
        # schedules nothing: the process is marked as processed instead, so anything that
        # yields it later resumes at once, as it would after the end event had been taken.
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = generator.throw(exc)
            except StopIteration as e:
                event = None
                self._ok = True
                self._value = e.args[0] if len(e.args) else None
                if self.callbacks:
                    env.schedule(self)
                else:
                    self.callbacks = None
                break
            except BaseException as e:
                # A failure is always scheduled, so the environment raises it.
                event = None
                self._ok = False
                e.__traceback__ = e.__traceback__.tb_next
                self._value = e
                env.schedule(self)
                break
            callbacks = event.callbacks
            if callbacks is not None:
                callbacks.append(self._resume)
                break
        self._target = event
        env._active_proc = None
