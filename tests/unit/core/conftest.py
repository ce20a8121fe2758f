"""The in-memory ports (tests/support/fakes.py) as fixtures, fresh for every unit test of
the core; a test module that needs one filled or failing builds on these."""

from __future__ import annotations

import pytest

from tests.support.fakes import (
    InMemoryCounter,
    InMemoryInquiryStore,
    InMemoryUnreachableContacts,
    RecordingMailer,
    RecordingQueue,
)


@pytest.fixture
def store() -> InMemoryInquiryStore:
    return InMemoryInquiryStore()


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def counter() -> InMemoryCounter:
    return InMemoryCounter()


@pytest.fixture
def unreachable() -> InMemoryUnreachableContacts:
    return InMemoryUnreachableContacts()
