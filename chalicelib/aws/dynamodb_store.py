"""Inquiries in DynamoDB: the one durable write that decides acceptance, and the delivery marks.

Items are keyed `inquiry#<reference>`. Each carries a retention TTL (`expires_at`)
and, until every email it asks for is sent, a `pending` attribute that puts it in a
sparse index the sweep reads. While the clock has a step to take, `due` and `due_at`
put it in a second sparse index, ordered by the due time, which the clock queries:
a run reads the inquiries that are due and no others. Expired items are never
returned, even before DynamoDB's TTL process removes them. An inquiry about a topic
that asks for explicit consent (health) carries `consent_at`, when the resident gave it.

The anonymous statistics live in the same table, one item per month of receipt
(`stats#2026-12`), kept for the stage's statistics horizon rather than an inquiry's
retention. A write that counts goes as a transaction of two: the inquiry's conditional
update and the ADD to its month's item, so that a step is counted exactly when it is
written (chalicelib/core/statistics.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.inquiry import AnswerBy, Inquiry
from chalicelib.core.ports import ClockMove, EmailInProgress, ReferenceTaken, StoreUnavailable
from chalicelib.core.records import (
    EMAIL_KINDS,
    ESCALATION_PHASE,
    Claim,
    Confirmation,
    EmailKind,
    Escalation,
    EscalationReason,
    InquiryRecord,
    Recipient,
    Step,
)
from chalicelib.core.statistics import Tally, month_start

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, TransactWriteItemTypeDef

PENDING_INDEX = "pending-by-received"
PENDING = "pending"
DUE_INDEX = "due-by-time"
DUE = "due"
# The attribute of each escalation on the item (a JSON text: nobody queries its parts).
ESCALATION_ATTRIBUTES = {Step.ESCALATE: "escalated_to", Step.ESCALATE_AGAIN: "escalated_again_to"}
# The clock's names: `step` and friends may be DynamoDB reserved words, so always by name.
CLOCK_NAMES = {"#step": "step", "#due": "due", "#due_at": "due_at", "#tries": "step_tries",
               "#claimed_at": "claimed_at"}


INQUIRY_PREFIX = "inquiry#"
STATISTICS_PREFIX = "stats#"
CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"
# Two counting writes at the same moment touch the same month's item: DynamoDB cancels
# one of them, which then simply goes again.
TRANSACTION_TRIES = 4
STATISTICS_YEARS = 5  # how long the counts are kept unless the stage says otherwise


# What every write that asks for emails also sets: back on the sweep's list, in case its
# queue message never arrives; "swept just now", so the sweep first gives that message
# its grace period; and one more step for the delivery to see (`steps_taken`).
ASKS_FOR_EMAILS = ("#pending = :pending, sweeps = :zero, swept_at = :now,"
                   " #steps = if_not_exists(#steps, :zero) + :one")
ASKS_FOR_EMAILS_NAMES = {"#pending": "pending", "#steps": "steps_taken"}
# The resident's own words and address: gone once the loop closes or on erasure.
PERSONAL_DATA_NAMES = {"#name": "name", "#email": "email", "#message": "message",
                       "#phone": "phone"}


def _asks_for_emails_values(now: datetime) -> dict[str, AttributeValueTypeDef]:
    return {":pending": {"S": PENDING}, ":zero": {"N": "0"}, ":one": {"N": "1"},
            ":now": {"S": now.isoformat()}}


class _ConditionFailed(Exception):
    """A conditional write found the item not as it expected (handled by the caller)."""


class _Conflict(Exception):
    """Another transaction wrote the same item at the same moment: go again."""


@contextmanager
def _dynamodb_errors() -> Iterator[None]:
    """DynamoDB's errors as the store port's: a failed condition for the caller to
    handle, anything else StoreUnavailable (trying again later can help)."""
    try:
        yield
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == CONDITION_FAILED:
            raise _ConditionFailed from error
        if code == TRANSACTION_CANCELED:
            # The first write is the inquiry's, the only one with a condition.
            reasons = [reason.get("Code") for reason in
                       error.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise _ConditionFailed from error
            if "TransactionConflict" in reasons:
                raise _Conflict from error
        raise StoreUnavailable(str(error)) from error
    except BotoCoreError as error:
        raise StoreUnavailable(str(error)) from error


def _key(reference: str) -> dict[str, AttributeValueTypeDef]:
    return {"pk": {"S": f"{INQUIRY_PREFIX}{reference}"}}


class DynamoDBInquiryStore:
    def __init__(self, client: DynamoDBClient, table_name: str,
                 statistics_years: int = STATISTICS_YEARS) -> None:
        self._client = client
        self._table = table_name
        self._statistics_years = statistics_years

    def add(self, record: InquiryRecord, tally: Tally | None = None) -> None:
        """Write a new inquiry, refusing to overwrite an existing reference."""
        item = _to_item(record)
        item["pending"] = {"S": PENDING}
        item["expires_at"] = {"N": str(int(record.expires_at.timestamp()))}
        if record.step is not None and record.due_at is not None:
            item.update(step={"S": record.step}, due={"S": DUE},
                        due_at={"S": _utc_text(record.due_at)})
        try:
            if tally:
                item["counted"] = {"SS": sorted(tally.columns)}
                self._transact({"Put": {"TableName": self._table, "Item": item,
                                        "ConditionExpression": "attribute_not_exists(pk)"}},
                               tally)
                return
            with _dynamodb_errors():
                self._client.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except _ConditionFailed as taken:
            raise ReferenceTaken(record.reference) from taken

    def counts(self, months: Sequence[str]) -> Mapping[str, Mapping[str, int]]:
        """Each month's counts, by BatchGetItem of its item (a hundred at a time)."""
        found: dict[str, dict[str, int]] = {}
        wanted: list[dict[str, AttributeValueTypeDef]] = [
            {"pk": {"S": f"{STATISTICS_PREFIX}{month}"}} for month in dict.fromkeys(months)]
        for start in range(0, len(wanted), 100):
            keys: Sequence[Mapping[str, Any]] = wanted[start:start + 100]
            for _ in range(10):  # DynamoDB may hand back keys it did not get to
                if not keys:
                    break
                with _dynamodb_errors():
                    answer = self._client.batch_get_item(RequestItems={
                        self._table: {"Keys": keys, "ConsistentRead": True}})
                for item in answer["Responses"].get(self._table, []):
                    month = item["pk"]["S"].removeprefix(STATISTICS_PREFIX)
                    found[month] = {name: int(value["N"]) for name, value in item.items()
                                    if name not in ("pk", "expires_at") and "N" in value}
                unprocessed = answer.get("UnprocessedKeys", {}).get(self._table)
                keys = unprocessed["Keys"] if unprocessed else []
            if keys:
                raise StoreUnavailable("the statistics could not be read in full")
        return found

    def _counting(self, tally: Tally) -> TransactWriteItemTypeDef:
        """The ADD of a tally to its month's item, which lives for the statistics'
        horizon from that month on (not for an inquiry's retention)."""
        start = month_start(tally.month)
        keep_until = datetime(start.year + self._statistics_years, start.month, 1, tzinfo=UTC)
        names = {f"#c{n}": name for n, name in enumerate(sorted(tally.increments))}
        values: dict[str, AttributeValueTypeDef] = {
            f":c{n}": {"N": str(tally.increments[name])} for n, name in
            enumerate(sorted(tally.increments))}
        values[":end"] = {"N": str(int((keep_until + timedelta(days=31)).timestamp()))}
        return {"Update": {
            "TableName": self._table, "Key": {"pk": {"S": f"{STATISTICS_PREFIX}{tally.month}"}},
            "UpdateExpression": "ADD " + ", ".join(f"{name} :{name[1:]}" for name in names)
                                + " SET expires_at = :end",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}

    def _transact(self, write: TransactWriteItemTypeDef, tally: Tally) -> None:
        """The inquiry's write and the tally's ADD, both or neither; _ConditionFailed
        when the inquiry's condition does not hold."""
        for attempt in range(TRANSACTION_TRIES):
            try:
                with _dynamodb_errors():
                    self._client.transact_write_items(
                        TransactItems=[write, self._counting(tally)])
                return
            except _Conflict as conflict:
                if attempt == TRANSACTION_TRIES - 1:
                    raise StoreUnavailable("the statistics item stayed busy") from conflict

    def get(self, reference: str, now: datetime) -> InquiryRecord | None:
        """The inquiry with this reference, or None if there is none or it has expired."""
        with _dynamodb_errors():
            answer = self._client.get_item(
                TableName=self._table, Key=_key(reference), ConsistentRead=True
            )
        item = answer.get("Item")
        if item is None or int(item["expires_at"]["N"]) <= now.timestamp():
            return None
        return _from_item(item)

    def claim_email(
        self, reference: str, kind: EmailKind, now: datetime, lease: timedelta
    ) -> bool:
        """Take the right to send one email: False if it was sent or refused already.

        The lease stops two workers that got the same message from sending the same
        email at the same time; a crashed worker's lease simply runs out.
        """
        try:
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression="SET #lease = :until",
                    ConditionExpression=(
                        "attribute_exists(pk) AND attribute_not_exists(#sent)"
                        " AND attribute_not_exists(#failed)"
                        " AND (attribute_not_exists(#lease) OR #lease < :now)"
                    ),
                    ExpressionAttributeNames={"#sent": f"{kind}_sent_at",
                                              "#failed": f"{kind}_failed_at",
                                              "#lease": f"{kind}_lease"},
                    ExpressionAttributeValues={
                        ":until": {"N": str(int((now + lease).timestamp()))},
                        ":now": {"N": str(int(now.timestamp()))},
                    },
                )
        except _ConditionFailed as taken:
            record = self.get(reference, now)
            if record is None or kind in record.sent or kind in record.failed:
                return False
            raise EmailInProgress(f"{reference} {kind}") from taken
        return True

    def release_email(self, reference: str, kind: EmailKind) -> None:
        """Give up a claim after a send that certainly failed, so a retry need not wait."""
        self._update(reference, "REMOVE #lease", {"#lease": f"{kind}_lease"})

    def mark_sent(self, reference: str, kind: EmailKind, message_id: str, now: datetime) -> None:
        self._update(
            reference,
            "SET #sent = :at, #id = :id REMOVE #lease",
            {"#sent": f"{kind}_sent_at", "#id": f"{kind}_message_id", "#lease": f"{kind}_lease"},
            {":at": {"S": now.isoformat()}, ":id": {"S": message_id}},
        )

    def mark_failed(self, reference: str, kind: EmailKind, reason: str, now: datetime) -> None:
        self._update(
            reference,
            "SET #failed = :at, #reason = :reason REMOVE #lease",
            {"#failed": f"{kind}_failed_at", "#reason": f"{kind}_failure",
             "#lease": f"{kind}_lease"},
            {":at": {"S": now.isoformat()}, ":reason": {"S": reason}},
        )

    def settle_confirmation(self, reference: str, decision: Confirmation) -> Confirmation:
        try:
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression="SET confirmation = :decision",
                    ConditionExpression=("attribute_exists(pk)"
                                         " AND attribute_not_exists(confirmation)"),
                    ExpressionAttributeValues={":decision": {"S": decision}},
                )
        except _ConditionFailed as decided:
            with _dynamodb_errors():
                item = self._client.get_item(
                    TableName=self._table, Key=_key(reference), ConsistentRead=True,
                    ProjectionExpression="confirmation",
                ).get("Item", {})
            if "confirmation" not in item:
                raise StoreUnavailable(f"inquiry {reference} is gone") from decided
            return Confirmation(item["confirmation"]["S"])
        return decision

    def mark_delivered(self, reference: str, steps_seen: int = 0) -> None:
        """Every email asked for is out: take the inquiry off the sweep's list, unless
        the clock asked for more while they were sent (then its message, or the sweep,
        delivers those)."""
        try:
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression="REMOVE #pending",
                    ConditionExpression=("attribute_exists(pk) AND (attribute_not_exists(#steps)"
                                         " OR #steps = :seen)"),
                    ExpressionAttributeNames={"#pending": "pending", "#steps": "steps_taken"},
                    ExpressionAttributeValues={":seen": {"N": str(steps_seen)}},
                )
        except _ConditionFailed as not_as_seen:
            with _dynamodb_errors():
                item = self._client.get_item(
                    TableName=self._table, Key=_key(reference), ConsistentRead=True,
                    ProjectionExpression="pk",
                ).get("Item")
            if item is None:
                raise StoreUnavailable(f"inquiry {reference} is gone") from not_as_seen

    def count_sweep(self, reference: str, now: datetime, grace: timedelta, limit: int) -> int:
        """Record that the sweep queues this inquiry again; how often it has, or 0 to skip.

        0 when it was swept within the grace period (its message may still be on its
        way) or `limit` times already: an inquiry whose email SES refuses for good must
        not circle through the queue forever.
        """
        try:
            with _dynamodb_errors():
                answer = self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression="SET swept_at = :now ADD sweeps :one",
                    ConditionExpression=(
                        "attribute_exists(pending) AND (attribute_not_exists(sweeps)"
                        " OR (sweeps < :limit AND swept_at < :cutoff))"
                    ),
                    ExpressionAttributeValues={
                        ":now": {"S": now.isoformat()},
                        ":cutoff": {"S": (now - grace).isoformat()},
                        ":one": {"N": "1"},
                        ":limit": {"N": str(limit)},
                    },
                    ReturnValues="UPDATED_NEW",
                )
        except _ConditionFailed:
            return 0
        return int(answer["Attributes"]["sweeps"]["N"])

    def release_sweep(self, reference: str) -> None:
        # "Swept long ago": the next sweep may count it again at once.
        self._update(reference, "SET swept_at = :long_ago ADD sweeps :minus_one", {},
                     {":long_ago": {"S": datetime.fromtimestamp(0, UTC).isoformat()},
                      ":minus_one": {"N": "-1"}})

    def stalled(self, received_before: datetime) -> list[str]:
        """References of inquiries received before the time and not yet fully delivered."""
        references: list[str] = []
        query = {
            "TableName": self._table,
            "IndexName": PENDING_INDEX,
            "KeyConditionExpression": "pending = :pending AND received_at < :before",
            "ExpressionAttributeValues": {
                ":pending": {"S": PENDING},
                ":before": {"S": received_before.isoformat()},
            },
            "ProjectionExpression": "pk",  # the index holds keys only
        }
        with _dynamodb_errors():
            for page in self._client.get_paginator("query").paginate(**query):  # type: ignore[arg-type]
                references.extend(
                    item["pk"]["S"].removeprefix(INQUIRY_PREFIX) for item in page["Items"]
                )
        return references

    def due(self, now: datetime, limit: int) -> list[str]:
        """The inquiries due by `now`, the longest due first: one query of the sparse
        index, reading at most `limit` index items."""
        with _dynamodb_errors():
            answer = self._client.query(
                TableName=self._table,
                IndexName=DUE_INDEX,
                KeyConditionExpression="#due = :due AND #due_at <= :now",
                ExpressionAttributeNames={"#due": "due", "#due_at": "due_at"},
                ExpressionAttributeValues={":due": {"S": DUE}, ":now": {"S": _utc_text(now)}},
                ProjectionExpression="pk",  # the index holds keys only
                Limit=limit,
            )
        return [item["pk"]["S"].removeprefix(INQUIRY_PREFIX) for item in answer["Items"]]

    def move_clock(
        self, reference: str, expected: Step | None, move: ClockMove, now: datetime,
        tally: Tally | None = None,
    ) -> bool:
        """One step of the clock, conditional on the step it expects, on no claim and on
        no escalation of the same step."""
        sets: list[str] = []
        removes: list[str] = []
        names = dict(CLOCK_NAMES)
        values: dict[str, AttributeValueTypeDef] = {}
        # An erased inquiry is off the clock for good (a bounce of its notes moves nothing).
        conditions = ["attribute_exists(pk)", "attribute_not_exists(erased_at)"]
        if expected in ESCALATION_PHASE:  # the follow-up and the close come claimed or not
            conditions.append("attribute_not_exists(#claimed_at)")
        else:
            del names["#claimed_at"]  # DynamoDB refuses a name no expression uses
        if expected is None:
            conditions.append("attribute_not_exists(#step)")
        else:
            conditions.append("#step = :expected")
            values[":expected"] = {"S": expected}
        if move.step is not None:
            sets.append("#step = :step")
            values[":step"] = {"S": move.step}
        else:
            removes.append("#step")
        if move.due_at is not None:
            sets += ["#due = :due", "#due_at = :due_at"]
            values.update({":due": {"S": DUE}, ":due_at": {"S": _utc_text(move.due_at)}})
        else:
            removes += ["#due", "#due_at"]
        if move.tries:
            sets.append("#tries = :tries")
            values[":tries"] = {"N": str(move.tries)}
        else:
            removes.append("#tries")
        if move.remind:
            sets.append("reminded_at = :now")
        if move.release_claim:
            names["#claimed_at"] = "claimed_at"
            removes += ["#claimed_at", "claimed_by", "claimed_by_name"]
        if move.follow_up:  # never more than one follow-up
            sets.append("followed_up_at = :now")
            conditions.append("attribute_not_exists(followed_up_at)")
        if move.escalation is not None:
            names["#escalation"] = ESCALATION_ATTRIBUTES[move.escalation.step]
            conditions.append("attribute_not_exists(#escalation)")
            sets.append("#escalation = :escalation")
            values[":escalation"] = {"S": json.dumps(_escalation_json(move.escalation),
                                                     ensure_ascii=False)}
        if move.asks_for_emails:
            sets.append(ASKS_FOR_EMAILS)
            names.update(ASKS_FOR_EMAILS_NAMES)
            values.update(_asks_for_emails_values(now))
        expression = "SET " + ", ".join(sets) if sets else ""
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        return self._write_if(reference, expression.strip(), " AND ".join(conditions),
                              names, values, tally)

    def note_resident_bounce(self, reference: str, now: datetime) -> bool:
        """Once: the note it asks for puts the inquiry back on the sweep's list."""
        return self._write_if(
            reference, f"SET resident_bounced_at = :now, {ASKS_FOR_EMAILS}",
            "attribute_exists(pk) AND attribute_not_exists(resident_bounced_at)",
            ASKS_FOR_EMAILS_NAMES, _asks_for_emails_values(now))

    def erase(self, reference: str, now: datetime, tally: Tally | None = None) -> bool:
        """Once: the resident's name, address and message go, the clock stops (off its
        index), and the notes it asks for put the inquiry back on the sweep's list. The
        reason a refused confirmation gave goes too: SES's text may name the address."""
        return self._write_if(
            reference,
            "SET erased_at = :now, forgotten_at = if_not_exists(forgotten_at, :now),"
            f" {ASKS_FOR_EMAILS}"
            " REMOVE #name, #email, #message, #phone, #resident_failure, #step, #due, #due_at,"
            " #tries",
            "attribute_exists(pk) AND attribute_not_exists(erased_at) AND expires_at > :seconds",
            {**{name: CLOCK_NAMES[name] for name in ("#step", "#due", "#due_at", "#tries")},
             **ASKS_FOR_EMAILS_NAMES, **PERSONAL_DATA_NAMES,
             "#resident_failure": f"{EmailKind.RESIDENT}_failure"},
            {**_asks_for_emails_values(now), ":seconds": {"N": str(int(now.timestamp()))}},
            tally)

    def claim(self, reference: str, claim: Claim,
              follow_up_at: datetime | None = None, tally: Tally | None = None) -> Claim | None:
        """The first claim stands. While the clock is at a step that passes the inquiry
        on, the same write moves it to the follow-up; later steps stay as they are."""
        claimed = "SET #claimed_at = :at, claimed_by = :by, claimed_by_name = :name"
        values: dict[str, AttributeValueTypeDef] = {
            ":at": {"S": claim.at.isoformat()}, ":by": {"S": claim.contact_key},
            ":name": {"S": claim.name},
            **{f":{step}": {"S": step} for step in ESCALATION_PHASE}}
        phase = "#step IN (" + ", ".join(f":{step}" for step in sorted(ESCALATION_PHASE)) + ")"
        if follow_up_at is not None:
            to_follow_up = (claimed + ", #step = :follow_up, #due = :due, #due_at = :due_at"
                            " REMOVE #tries")
            follow_up_values: dict[str, AttributeValueTypeDef] = {
                ":follow_up": {"S": Step.FOLLOW_UP}, ":due": {"S": DUE},
                ":due_at": {"S": _utc_text(follow_up_at)}}
        else:
            to_follow_up = claimed + " REMOVE #step, #due, #due_at, #tries"
            follow_up_values = {}
        unclaimed = "attribute_exists(pk) AND attribute_not_exists(#claimed_at)"
        writes: list[tuple[str, str, dict[str, AttributeValueTypeDef]]] = [
            (to_follow_up, f"{unclaimed} AND {phase}", {**values, **follow_up_values}),
            # Past that phase (or off the clock): the claim alone.
            (claimed, f"{unclaimed} AND (attribute_not_exists(#step) OR NOT {phase})",
             values),
        ]
        for expression, condition, expression_values in writes:
            if self._write_if(
                    reference, expression, condition,
                    {name: CLOCK_NAMES[name] for name in CLOCK_NAMES
                     if name in expression or name in condition},
                    {name: value for name, value in expression_values.items()
                     if name in expression or name in condition},
                    tally):
                return claim
        with _dynamodb_errors():
            item = self._client.get_item(
                TableName=self._table, Key=_key(reference), ConsistentRead=True,
                ProjectionExpression="claimed_at, claimed_by, claimed_by_name",
            ).get("Item")
        return _claim_of(item) if item else None

    def record_answer(self, reference: str, answered: bool, now: datetime,
                      tally: Tally | None = None) -> bool | None:
        """The first answer stands."""
        if not self._write_if(
                reference, "SET answered = :answered, answered_at = :now",
                "attribute_exists(pk) AND attribute_not_exists(answered)", {},
                {":answered": {"BOOL": answered}, ":now": {"S": now.isoformat()}}, tally):
            with _dynamodb_errors():
                item = self._client.get_item(
                    TableName=self._table, Key=_key(reference), ConsistentRead=True,
                    ProjectionExpression="answered",
                ).get("Item")
            if not item or "answered" not in item:
                return None
            return item["answered"]["BOOL"]
        return answered

    def forget_personal_data(self, reference: str, now: datetime) -> bool:
        """Once: REMOVE name, email and message; `forgotten_at` says when."""
        return self._write_if(
            reference, "SET forgotten_at = :now REMOVE #name, #email, #message, #phone",
            "attribute_exists(pk) AND attribute_not_exists(forgotten_at)",
            PERSONAL_DATA_NAMES, {":now": {"S": now.isoformat()}})

    def _write_if(
        self, reference: str, expression: str, condition: str, names: dict[str, str],
        values: dict[str, AttributeValueTypeDef], tally: Tally | None = None,
    ) -> bool:
        """One conditional update, counted with `tally` in the same transaction; False
        when the condition does not hold (the write was done before, or is not for this
        inquiry's state)."""
        # DynamoDB refuses an empty map of names.
        named: dict[str, Any] = {"ExpressionAttributeNames": names} if names else {}
        try:
            if tally:
                self._transact({"Update": {
                    "TableName": self._table, "Key": _key(reference),
                    "UpdateExpression": f"{expression} ADD counted :counted",
                    "ConditionExpression": condition, **named,  # type: ignore[typeddict-item]
                    "ExpressionAttributeValues": {
                        **values, ":counted": {"SS": sorted(tally.columns)}}}}, tally)
                return True
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table, Key=_key(reference), UpdateExpression=expression,
                    ConditionExpression=condition, ExpressionAttributeValues=values, **named,
                )
        except _ConditionFailed:
            return False
        return True

    def _update(
        self,
        reference: str,
        expression: str,
        names: dict[str, str],
        values: dict[str, AttributeValueTypeDef] | None = None,
    ) -> None:
        extra: dict[str, object] = {"ExpressionAttributeValues": values} if values else {}
        if names:
            extra["ExpressionAttributeNames"] = names
        try:
            with _dynamodb_errors():
                self._client.update_item(
                    TableName=self._table,
                    Key=_key(reference),
                    UpdateExpression=expression,
                    ConditionExpression="attribute_exists(pk)",
                    **extra,  # type: ignore[arg-type]
                )
        except _ConditionFailed as gone:
            raise StoreUnavailable(f"inquiry {reference} is gone") from gone


def _to_item(record: InquiryRecord) -> dict[str, AttributeValueTypeDef]:
    inquiry, recipient = record.inquiry, record.recipient
    strings = {
        "reference": record.reference,
        "received_at": record.received_at.astimezone(UTC).isoformat(),
        "email": inquiry.email,
        "topic": inquiry.topic,
        "message": inquiry.message,
        "name": inquiry.name,
        "language": inquiry.language,
        # The routing decision as one JSON attribute: nobody queries its parts, and
        # each attribute costs serialising time on every accepted inquiry.
        "routing": json.dumps({
            "contact_key": recipient.contact_key,
            "contact_name": recipient.name,
            "contact_email": recipient.email,
            "organisation": recipient.organisation,
            "staff_language": recipient.staff_language,
            "cc": list(recipient.cc),
            "speaks_resident_language": recipient.speaks_resident_language,
            "topic_labels": dict(record.topic_labels),
            "response_days": record.response_days,
            "remind_after_days": record.remind_after_days,
            "next_steps": record.next_steps,
        }, ensure_ascii=False),
    }
    if record.consent_at is not None:  # only on the topics that ask for consent
        strings["consent_at"] = record.consent_at.astimezone(UTC).isoformat()
    item: dict[str, AttributeValueTypeDef] = {"pk": _key(record.reference)["pk"]}
    item.update({name: {"S": value} for name, value in strings.items()})
    if inquiry.interpreter:
        item["interpreter"] = {"BOOL": True}
    if inquiry.answer_by is not AnswerBy.EMAIL:
        item["answer_by"] = {"S": inquiry.answer_by}
    if inquiry.phone:  # personal data: erased and forgotten with name, address and message
        item["phone"] = {"S": inquiry.phone}
    return item


def _from_item(item: dict[str, AttributeValueTypeDef]) -> InquiryRecord:
    def text(name: str) -> str:
        return item[name]["S"]

    def optional(name: str) -> str:
        return item[name]["S"] if name in item else ""

    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]["S"]) if name in item else None

    received_at = datetime.fromisoformat(text("received_at"))
    routing = json.loads(text("routing"))
    return InquiryRecord(
        reference=text("reference"),
        received_at=received_at,
        inquiry=Inquiry(
            # Gone once the personal data is forgotten (`forgotten_at`): then "".
            email=optional("email"),
            topic=text("topic"),
            message=optional("message"),
            name=optional("name"),
            language=text("language"),
            consent="consent_at" in item,
            interpreter="interpreter" in item,
            answer_by=AnswerBy(optional("answer_by") or AnswerBy.EMAIL),
            phone=optional("phone"),
        ),
        recipient=Recipient(
            contact_key=routing["contact_key"],
            name=routing["contact_name"],
            email=routing["contact_email"],
            organisation=routing["organisation"],
            staff_language=routing["staff_language"],
            cc=tuple(routing["cc"]),
            # Items written before the flag existed: as the thank-you page then assumed.
            speaks_resident_language=routing.get("speaks_resident_language", True),
        ),
        topic_labels=routing["topic_labels"],
        response_days=routing["response_days"],
        remind_after_days=routing.get("remind_after_days", 0),  # none before the clock
        next_steps=routing["next_steps"],
        retention_days=round(
            (int(item["expires_at"]["N"]) - received_at.timestamp()) / 86400
        ),
        sent=frozenset(kind for kind in EMAIL_KINDS if f"{kind}_sent_at" in item),
        failed=frozenset(kind for kind in EMAIL_KINDS if f"{kind}_failed_at" in item),
        confirmation=Confirmation(item["confirmation"]["S"]) if "confirmation" in item else None,
        consent_at=(datetime.fromisoformat(text("consent_at")) if "consent_at" in item
                    else None),
        step=Step(text("step")) if "step" in item else None,
        due_at=datetime.fromisoformat(text("due_at")) if "due_at" in item else None,
        step_tries=int(item["step_tries"]["N"]) if "step_tries" in item else 0,
        reminded_at=datetime.fromisoformat(text("reminded_at")) if "reminded_at" in item else None,
        escalations=tuple(_escalation_of(json.loads(text(name)))
                          for name in ESCALATION_ATTRIBUTES.values() if name in item),
        claim=_claim_of(item),
        steps_taken=int(item["steps_taken"]["N"]) if "steps_taken" in item else 0,
        resident_bounced_at=moment("resident_bounced_at"),
        forgotten_at=moment("forgotten_at"),
        erased_at=moment("erased_at"),
        answered=item["answered"]["BOOL"] if "answered" in item else None,
        answered_at=moment("answered_at"),
        followed_up_at=moment("followed_up_at"),
        counted=frozenset(item["counted"]["SS"]) if "counted" in item else frozenset(),
    )


def _utc_text(moment: datetime) -> str:
    """A moment as the clock's index sorts it: ISO 8601 in UTC, always with microseconds,
    so that the texts sort as the moments do."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _recipient_json(recipient: Recipient) -> dict[str, object]:
    return {"contact_key": recipient.contact_key, "name": recipient.name,
            "email": recipient.email, "organisation": recipient.organisation,
            "staff_language": recipient.staff_language, "cc": list(recipient.cc)}


def _recipient_of(data: dict[str, Any]) -> Recipient:
    return Recipient(contact_key=data["contact_key"], name=data["name"], email=data["email"],
                     organisation=data["organisation"], staff_language=data["staff_language"],
                     cc=tuple(data["cc"]))


def _escalation_json(escalation: Escalation) -> dict[str, object]:
    return {"step": escalation.step, "to": _recipient_json(escalation.to),
            "previous": _recipient_json(escalation.previous),
            "at": escalation.at.isoformat(), "not_claimed_by": list(escalation.not_claimed_by),
            "working_days": escalation.working_days, "topic_label": escalation.topic_label,
            "reason": escalation.reason}


def _escalation_of(data: dict[str, Any]) -> Escalation:
    return Escalation(step=Step(data["step"]), to=_recipient_of(data["to"]),
                      previous=_recipient_of(data["previous"]),
                      at=datetime.fromisoformat(data["at"]),
                      not_claimed_by=tuple(data["not_claimed_by"]),
                      working_days=data["working_days"], topic_label=data["topic_label"],
                      reason=EscalationReason(data.get("reason", EscalationReason.UNCLAIMED)))


def _claim_of(item: dict[str, AttributeValueTypeDef]) -> Claim | None:
    if "claimed_at" not in item:
        return None
    return Claim(contact_key=item["claimed_by"]["S"], name=item["claimed_by_name"]["S"],
                 at=datetime.fromisoformat(item["claimed_at"]["S"]))
