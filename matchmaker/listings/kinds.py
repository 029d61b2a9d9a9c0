"""The two kinds of listing, needs and results: everything that differs between them, in one place.

Shared code (lifecycle, queries, token caches, views, templates) takes a ``Kind`` instead of
branching on the model class.
"""

from dataclasses import dataclass

from ..models import Result, Role, TechNeed


@dataclass(frozen=True)
class Kind:
    """What a listing kind is called, where it lives and which of its fields differ."""

    name: str  # "need" / "result"
    model: type
    noun: str  # 需求 / 成果
    title: str  # 技术需求 / 科技成果
    blueprint: str  # needs / results (endpoints and URL prefix)
    id_arg: str  # need_id / result_id
    owner_role: str  # who posts this kind
    owner_column: str  # the user column naming its author
    amount: str  # budget_wan / price_wan (万元)
    negotiable: str  # budget_negotiable / price_negotiable
    amount_field: str  # form field: budget / price
    amount_label: str  # 预算 / 价格
    body: tuple  # descriptive fields, in token-cache order
    fields: tuple  # fields a form copies onto the listing

    def endpoint(self, view):
        """The endpoint of one of this kind's views, e.g. ``needs.detail``."""
        return f"{self.blueprint}.{view}"

    def path(self, listing_id):
        """Site-relative link to a listing (usable outside a request, e.g. from the CLI)."""
        return f"/{self.blueprint}/{listing_id}"

    def owner_id(self, listing):
        """The user who speaks for the listing (its author / its researcher)."""
        return getattr(listing, self.owner_column)

    def mine_clause(self, user):
        """SQL condition: the listings a user manages (an enterprise's organisation's, a researcher's own)."""
        if self.name == "need":
            return TechNeed.organization_id == user.organization_id
        return Result.owner_id == user.id


NEED = Kind(
    name="need", model=TechNeed, noun="需求", title="技术需求", blueprint="needs", id_arg="need_id",
    owner_role=Role.ENTERPRISE.value, owner_column="created_by_id", amount="budget_wan",
    negotiable="budget_negotiable", amount_field="budget", amount_label="预算",
    body=("summary", "problem", "indicators", "conditions"),
    fields=("title", "summary", "problem", "indicators", "conditions", "keywords", "industry", "field", "town",
            "coop_mode", "valid_until", "confidentiality", "source", "contact_name", "contact_phone", "contact_email"),
)  # fmt: skip
RESULT = Kind(
    name="result", model=Result, noun="成果", title="科技成果", blueprint="results", id_arg="result_id",
    owner_role=Role.RESEARCHER.value, owner_column="owner_id", amount="price_wan", negotiable="price_negotiable",
    amount_field="price", amount_label="价格", body=("abstract", "detail", "advantages"),
    fields=("title", "abstract", "detail", "advantages", "keywords", "industry", "field", "town", "team", "maturity",
            "ip_type", "patent_numbers", "transfer_mode", "valid_until", "contact_name", "contact_phone",
            "contact_email"),
)  # fmt: skip
KINDS = {"need": NEED, "result": RESULT}


def kind_of(listing) -> str:
    """ "need" or "result" for a listing object (or its class)."""
    return "need" if isinstance(listing, TechNeed) or listing is TechNeed else "result"


def spec_of(listing) -> Kind:
    """The Kind of a listing object (or its class)."""
    return KINDS[kind_of(listing)]


def model_of(kind: str):
    """The model class of a kind name, or ValueError."""
    try:
        return KINDS[kind].model
    except KeyError:
        raise ValueError(f"unknown listing kind {kind!r}") from None
