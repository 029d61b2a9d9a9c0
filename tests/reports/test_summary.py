"""The kept monthly totals always equal a direct computation over the contracts."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, true

from matchmaker.contracts import services as contracts
from matchmaker.contracts.lifecycle import ContractError
from matchmaker.extensions import db
from matchmaker.models import Contract, ContractDocument, ContractMonthTotal, DataGeneration
from matchmaker.reports import services, summary

from ..factories import make_contract, make_org, make_signing_document, make_user

PERIODS = [
    services.Period(date(2020, 1, 1), date(2020, 12, 31)),  # whole months
    services.Period(date(2020, 2, 10), date(2020, 7, 20)),  # partial at both ends
    services.Period(date(2020, 6, 5), date(2020, 6, 29)),  # within one month
    services.Period(date(2019, 12, 31), date(2020, 6, 30)),  # one day, then whole months
    services.Period(date(2010, 1, 1), date(2030, 12, 31)),
    services.Period(date(1, 1, 1), date(30, 1, 1)),  # from the calendar's first day (no day before it)
    services.Period(date(2020, 3, 3), date(9999, 12, 31)),  # to its last day (no day after it)
    services.Period(date(9999, 12, 5), date(9999, 12, 30)),  # within its last month
]


def kept_rows():
    t = ContractMonthTotal
    rows = db.session.execute(select(t.month, t.dimension, t.value, t.count, t.amount, t.transaction_amount))
    return sorted((tuple(r) for r in rows), key=repr)


def direct_rows():
    rows = db.session.execute(summary.cells(db.session.get_bind().dialect.name, true()))
    return sorted((tuple(r) for r in rows), key=repr)


def python_totals(period):
    """Count and sums of the period's valid contracts, computed in Python from the rows."""
    awaiting = set(
        db.session.scalars(select(ContractDocument.contract_id).where(ContractDocument.status == "awaiting_signatures"))
    )
    n, amount, tx = 0, Decimal(0), Decimal(0)
    for c in db.session.scalars(select(Contract)):
        if not c.voided and c.id not in awaiting and period.start <= c.signed_on <= period.end:
            n, amount, tx = n + 1, amount + c.amount, tx + c.transaction_amount
    return n, amount, tx


def assert_agree():
    """Kept rows == the filling query now; every period's report from the rows == from the contracts alone."""
    db.session.expire_all()
    assert summary.is_current()
    assert kept_rows() == direct_rows()
    for period in PERIODS:
        assert summary.totals(period) == summary.totals(period, use_rows=False), period
        h = services.build_report(period)["headline_all"]
        assert (h["count"], h["amount"], h["transaction_amount"]) == python_totals(period), period


def contract_data(c, **kw):
    return {"buyer_name": c.buyer.name, "seller_name": c.seller.name, "industry": c.industry, "town": c.town,
            "zone_id": c.zone_id, "contract_no": c.contract_no, "registration_no": c.registration_no,
            "type": c.type, "title": c.title, "amount": c.amount, "transaction_amount": c.transaction_amount,
            "signed_on": c.signed_on, "channel": c.channel, "event_id": c.event_id, "need_id": c.need_id,
            "result_id": c.result_id, "broker_id": c.broker_id, "note": c.note, **kw}  # fmt: skip


@pytest.fixture
def admin(app):
    return make_user("admin")


def test_create_edit_void_through_the_services(app, admin):
    """Recorded, edited (amount, type, month moved), voided: the kept rows follow each commit."""
    uni = make_org("university", name="某大学")
    first = make_contract(seller=uni, amount="10000.00", signed_on=date(2020, 2, 14), industry="新材料", town="东城")
    assert_agree()
    c = contracts.record_contract(admin, contract_data(first, contract_no="HT-2", amount=Decimal("2500.55"),
                                                       transaction_amount=Decimal("2000.00"), type="license",
                                                       signed_on=date(2020, 7, 31), channel="offline"))  # fmt: skip
    assert_agree()
    contracts.update_contract(admin, c, contract_data(c, amount=Decimal("2600.01"), type="service",
                                                      signed_on=date(2020, 6, 1), industry="新能源"), c.version)  # fmt: skip
    assert db.session.get(Contract, c.id).signed_on == date(2020, 6, 1)
    assert_agree()
    assert not db.session.scalar(select(ContractMonthTotal).filter_by(month=202007))  # the month it left is empty
    contracts.void_contract(admin, db.session.get(Contract, first.id), "双方解除")
    assert_agree()
    h = services.build_report(PERIODS[0])["headline_all"]
    assert (h["count"], h["amount"]) == (1, Decimal("2600.01"))


def test_signing_documents_move_contracts_in_and_out(app, admin):
    """A text out for signing takes its contract out of every total; signed online, it is back, as signed online."""
    buyer, seller = make_user("enterprise"), make_user("researcher")
    c = make_contract(amount="8888.88", signed_on=date(2020, 5, 5), channel="offline")
    make_contract(amount="1111.11", signed_on=date(2020, 5, 6))
    doc = make_signing_document(c, buyer, seller, prepared_by=admin)
    assert_agree()
    assert services.build_report(PERIODS[0])["headline_all"]["count"] == 1
    doc.status = "signed"
    db.session.commit()
    assert_agree()
    signing = services.table_of(services.build_report(PERIODS[0]), "by_signing").rows
    assert signing[0]["name"] == services.SIGNED_ONLINE_LABEL and signing[0]["amount"] == Decimal("8888.88")
    db.session.delete(doc)
    db.session.commit()
    assert_agree()


def test_bulk_import_update_and_delete(app):
    """Bulk statements (an import's INSERT of many rows, an UPDATE or DELETE by condition) are followed too."""
    buyer, seller = make_org("enterprise"), make_org("institute")
    rows = [
        {"contract_no": f"IMP{i}", "type": ["development", "transfer"][i % 2], "title": "导入", "buyer_id": buyer.id,
         "seller_id": seller.id, "amount": Decimal(f"{1000 + i}.{i % 100:02d}"), "transaction_amount": Decimal("1.01"),
         "signed_on": date(2019, 11 + i % 3, 1) if i % 3 < 2 else date(2020, 1, 15), "channel": "online",
         "voided": i % 7 == 0, "registration_status": "unsubmitted", "note": "", "version": 1,
         "town": None if i % 5 else "西城"}
        for i in range(40)
    ]  # fmt: skip
    db.session.execute(db.insert(Contract), rows)
    db.session.commit()
    assert_agree()
    db.session.execute(db.update(Contract).where(Contract.contract_no.like("IMP1%")).values(voided=True))
    db.session.commit()
    assert_agree()
    db.session.execute(db.delete(Contract).where(Contract.contract_no == "IMP2"))
    db.session.commit()
    assert_agree()


def test_a_refused_or_rolled_back_write_leaves_the_rows(app, admin):
    """A refused service call and a rollback change neither the contracts nor the kept rows."""
    c = make_contract(amount="500.00", signed_on=date(2020, 3, 3))
    before = kept_rows()
    with pytest.raises(ContractError):
        contracts.update_contract(admin, c, contract_data(c, amount=Decimal("1.00")), base_version=c.version + 5)
    c = db.session.get(Contract, c.id)
    c.amount = Decimal("9.99")
    db.session.flush()
    db.session.rollback()
    assert kept_rows() == before
    assert_agree()


def test_rows_not_current_fall_back_to_the_contracts_and_are_rebuilt(app):
    """Rows behind the counter (a database from before them) are not read; the next write rebuilds them all."""
    make_contract(amount="100.00", signed_on=date(2020, 1, 1))
    make_contract(amount="200.00", signed_on=date(2020, 9, 9))
    db.session.execute(db.delete(ContractMonthTotal))  # as a migrated database: no rows, counter behind
    db.session.get(DataGeneration, summary.SUMMARY).counter = 0
    db.session.commit()
    assert not summary.is_current()
    h = services.build_report(PERIODS[0])["headline_all"]
    assert (h["count"], h["amount"]) == (2, Decimal("300.00"))
    make_contract(amount="1.00", signed_on=date(2020, 4, 4))  # one month written: every month rebuilt
    assert_agree()
    summary.rebuild()
    assert_agree()


def test_rebuild_command(app, runner):
    """``flask report-rebuild`` recomputes every month."""
    make_contract(amount="42.00", signed_on=date(2020, 8, 8))
    db.session.execute(db.delete(ContractMonthTotal))
    db.session.commit()
    result = runner.invoke(args=["report-rebuild"])
    assert result.exit_code == 0, result.output
    assert_agree()


def test_concurrent_writers_of_one_month_on_postgresql(app, monkeypatch):
    """Two transactions writing the same month: the second waits at the counter until the first commits,
    then recomputes the month with both contracts (PostgreSQL: READ COMMITTED, row lock on the counter)."""
    import threading
    import time

    from sqlalchemy.orm import Session

    from matchmaker import cache

    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer at a time by its file lock")
    buyer, seller = make_org("enterprise"), make_org("university")
    make_contract(buyer=buyer, seller=seller, amount="1.00", signed_on=date(2020, 5, 1))

    def slow(session):  # the first writer holds the counter's lock a while after recomputing
        if session.info.get("slow"):
            time.sleep(0.5)

    monkeypatch.setitem(cache._AFTER_BUMP, summary.COUNTER, [*cache._AFTER_BUMP[summary.COUNTER], slow])

    def contract(no, amount):
        return Contract(contract_no=no, type="service", title=no, buyer_id=buyer.id, seller_id=seller.id,
                        amount=Decimal(amount), transaction_amount=Decimal(amount), signed_on=date(2020, 5, 20),
                        channel="online")  # fmt: skip

    first, second = Session(db.engine), Session(db.engine)
    first.info["slow"] = True
    first.add(contract("C-1", "10.00"))
    second.add(contract("C-2", "100.00"))
    worker = threading.Thread(target=first.commit)
    worker.start()
    time.sleep(0.2)  # the first is inside its commit, holding the counter
    started = time.monotonic()
    second.commit()
    waited = time.monotonic() - started
    worker.join()
    first.close()
    second.close()
    assert waited > 0.1
    assert_agree()
    assert services.build_report(PERIODS[0])["headline_all"]["amount"] == Decimal("111.00")


def test_grouping_sets_give_the_union_rows_on_postgresql(app, admin):
    """PostgreSQL's one-pass GROUPING SETS and the UNION ALL of one GROUP BY per dimension agree row for row
    (NULL values, voided contracts, texts out for signing and signed online included)."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no GROUPING SETS")
    buyer, seller = make_user("enterprise"), make_user("researcher")
    uni = make_org("university")
    for i in range(12):
        c = make_contract(seller=uni if i % 2 else None, amount=f"{100 + i}.0{i % 10}", signed_on=date(2020, 1 + i, 3),
                          channel=["online", "offline", "event"][i % 3], type=["license", "service"][i % 2],
                          town=None if i % 4 else "东城", industry="" if i % 5 == 0 else "新材料",
                          voided=i == 7, void_reason="解除" if i == 7 else None)  # fmt: skip
        if i in (3, 8):
            make_signing_document(
                c, buyer, seller, prepared_by=admin, status="awaiting_signatures" if i == 3 else "signed"
            )
    union = sorted((tuple(r) for r in db.session.execute(summary._union("postgresql", true()))), key=repr)
    assert direct_rows() == union and len(union) > 50
    assert_agree()
