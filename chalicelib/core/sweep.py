"""Queue again what was stored but not delivered after a grace period.

This covers a queue send that failed after the store's write: the resident already
has their reference, so the inquiry must still reach both inboxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chalicelib.core.ports import Clock, DeliveryQueue, InquiryStore, QueueUnavailable
from chalicelib.core.telemetry import Event, emit

# How often the sweep queues one inquiry again before it gives up (and alarms).
MAX_SWEEPS = 3


@dataclass
class Sweep:
    store: InquiryStore
    queue: DeliveryQueue
    clock: Clock
    grace: timedelta

    def requeue_stalled(self) -> int:
        """Queue again each stalled inquiry, at most MAX_SWEEPS times; how many were queued.

        QueueUnavailable propagates (the schedule's run fails, and the next run tries
        again), after giving back the sweep it could not use: an inquiry that is stalled
        because the queue was down must not use up its sweeps while it stays down.
        """
        now = self.clock()
        queued = 0
        for reference in self.store.stalled(received_before=now - self.grace):
            sweeps = self.store.count_sweep(reference, now, self.grace, MAX_SWEEPS)
            if not sweeps:
                continue
            try:
                self.queue.send(reference)
            except QueueUnavailable:
                self.store.release_sweep(reference)
                emit(Event.SWEEP_QUEUE_UNAVAILABLE, "the sweep cannot queue stalled inquiries: "
                     "the delivery queue is unavailable (%d queued before it failed)", queued,
                     reference=reference, count=queued)
                raise
            queued += 1
            if sweeps == MAX_SWEEPS:
                emit(Event.SWEEP_GAVE_UP, "inquiry %s still undelivered: queued again for the "
                     "last time; see the dead-letter queue", reference, reference=reference)
        if queued:
            emit(Event.STALLED_REQUEUED, "%d stalled inquiries queued again", queued,
                 count=queued)
        return queued
