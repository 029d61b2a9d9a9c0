"""The report's contract totals are kept between views and never outlive a committed contract change."""

from datetime import date
from decimal import Decimal

import pytest

from matchmaker import cache
from matchmaker.extensions import db
from matchmaker.models import Contract, ContractDocument, DataGeneration
from matchmaker.reports import services

from ..factories import make_contract, make_need, make_org

Y2020 = services.Period(date(2020, 1, 1), date(2020, 12, 31))


@pytest.fixture
def cached_app(make_app):
    app = make_app(CACHE_IN_TESTS=True)
    with app.app_context():
        yield app


def contract_queries(work, table="contract"):
    """How many statements sum amounts of contracts (or of ``table``) while work() runs (the funnel's
    EXISTS is not one)."""
    seen = []

    def note(conn, cursor, statement, *args):
        if f"sum({table}.amount)" in statement.lower():
            seen.append(statement)

    db.event.listen(db.engine, "before_cursor_execute", note)
    try:
        result = work()
    finally:
        db.event.remove(db.engine, "before_cursor_execute", note)
    return result, len(seen)


def headline(report):
    return report["headline_all"]["count"], report["headline_all"]["amount"]


def test_second_view_reads_no_contracts_and_a_new_contract_shows_at_once(cached_app):
    """The first view sums the monthly rows (no contract), the second reads neither."""
    make_contract(amount="10000.00")
    (first, n_first), n_rows = contract_queries(
        lambda: contract_queries(lambda: services.build_report(Y2020)), "contract_month_total"
    )
    (second, n_second), n_rows_second = contract_queries(
        lambda: contract_queries(lambda: services.build_report(Y2020)), "contract_month_total"
    )
    assert (n_first, n_second, n_rows_second) == (0, 0, 0) and n_rows >= 1, (n_first, n_second, n_rows)
    assert headline(first) == headline(second) == (1, Decimal("10000.00"))
    make_contract(amount="5000.00")
    assert headline(services.build_report(Y2020)) == (2, Decimal("15000.00"))


def test_a_change_committed_elsewhere_is_seen_through_the_counter(cached_app, monkeypatch):
    """Another machine's commit cannot drop this process's entries; its counter bump still does."""
    contract = make_contract(amount="10000.00")
    assert headline(services.build_report(Y2020)) == (1, Decimal("10000.00"))
    monkeypatch.setattr(cache, "invalidate", lambda tables: None)  # no in-process or file-stamp drop
    contract.voided = True
    contract.void_reason = "双方解除"
    db.session.commit()
    assert headline(services.build_report(Y2020)) == (0, Decimal("0"))
    make_contract(amount="7000.00", signed_on=date(2020, 3, 1))
    by_month = services.table_of(services.build_report(Y2020), "by_month").rows
    assert by_month[2]["amount"] == Decimal("7000.00")


def test_counter_moves_with_contract_and_document_commits_only(cached_app):
    read = lambda: cache.generation(db.session, "contracts")  # noqa: E731
    before = read()
    contract = make_contract()
    after_contract = read()
    make_need(title="与合同无关的需求")
    assert read() == after_contract > before
    db.session.execute(  # a signing text withdrawn by a bulk statement (no ORM object)
        db.update(ContractDocument).where(ContractDocument.contract_id == contract.id).values(status="withdrawn")
    )
    db.session.commit()
    assert read() == after_contract + 1
    db.session.execute(db.update(Contract).where(Contract.id == contract.id).values(note="批量更新"))
    db.session.commit()
    assert read() == after_contract + 2
    assert db.session.get(DataGeneration, "contracts").counter == after_contract + 2


def test_names_are_read_live_over_kept_totals(cached_app):
    """An institution renamed after the report was kept shows under its new name at once."""
    uni = make_org("university", name="旧名大学")
    make_contract(seller=uni, amount="30000.00")
    rows = lambda: {r["name"] for r in services.table_of(services.build_report(Y2020), "by_institution").rows}  # noqa: E731
    assert rows() == {"旧名大学"}
    uni.name = "新名大学"
    db.session.commit()
    assert rows() == {"新名大学"}


def test_a_failed_write_moves_nothing(cached_app):
    make_contract()
    before = cache.generation(db.session, "contracts")
    db.session.add(Contract(contract_no=None, title="缺合同编号"))
    with pytest.raises(Exception):  # noqa: B017,PT011 -- NOT NULL violations differ by database
        db.session.commit()
    db.session.rollback()
    assert cache.generation(db.session, "contracts") == before
