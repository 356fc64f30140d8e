"""Saving what the triage pipeline found: indicators, the links between tips, clusters.

Every write is idempotent (insert-or-ignore on natural keys), so a job that runs
twice, or is retried after a crash, leaves the same rows behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import Indicator, Tip, TipAccess, TipIndicator, utcnow
from portal.protection.identifiers import index_of, open_value, seal_value, tail_of
from portal.triage.linking import is_linkable

# Serialises cluster merges across workers on PostgreSQL (SQLite serialises writes anyway).
_LINK_LOCK = 0x5741_5350  # "WASP"
VALUE_MAX = 500


# Indicators are stored and found by their blind index (portal.protection.identifiers): the
# database never compares, or holds, a value in clear.
_PG_NEW_INDICATORS = text(
    "INSERT INTO indicators (kind, value_index, value_sealed, tail_index, first_seen_at)"
    " SELECT kind, value_index, value_sealed, tail_index, :now FROM unnest("
    "CAST(:kinds AS text[]), CAST(:indexes AS bytea[]), CAST(:sealed AS bytea[]),"
    " CAST(:tails AS bytea[])) AS new(kind, value_index, value_sealed, tail_index)"
    " ON CONFLICT (value_index) DO NOTHING"
)
_PG_INDICATOR_IDS = text(
    "SELECT i.value_index, i.id FROM indicators AS i"
    " WHERE i.value_index = ANY(CAST(:indexes AS bytea[]))"
)
_PG_NEW_EDGES = text(
    "INSERT INTO tip_indicators (tip_id, indicator_id)"
    " SELECT * FROM unnest(CAST(:tips AS integer[]), CAST(:indicators AS integer[]))"
    " ON CONFLICT (tip_id, indicator_id) DO NOTHING"
)


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True, slots=True)
class RelatedTip:
    tip_id: int
    shared: tuple[tuple[str, str], ...]  # (kind, value) pairs both tips mention


def _insert(model: type) -> object:
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model)


def save_indicators(tip_id: int, found: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Store a tip's indicators (once each) and its edges; return their ids by (kind, value)."""
    return save_indicators_many({tip_id: found})[tip_id]


def save_indicators_many(
    found: dict[int, Iterable[tuple[str, str]]],
) -> dict[int, dict[tuple[str, str], int]]:
    """The same for many tips in three statements: new indicators, their ids, the edges."""
    per_tip = {
        tip_id: list(dict.fromkeys((kind, value[:VALUE_MAX]) for kind, value in pairs))
        for tip_id, pairs in found.items()
    }
    pairs = list(dict.fromkeys(pair for tip_pairs in per_tip.values() for pair in tip_pairs))
    if not pairs:
        return {tip_id: {} for tip_id in per_tip}
    now = utcnow()
    indexes = {pair: index_of(*pair) for pair in pairs}
    new = [
        {
            "kind": kind,
            "value_index": indexes[kind, value],
            "value_sealed": seal_value(indexes[kind, value], value),
            "tail_index": tail_of(kind, value),
            "first_seen_at": now,
        }
        for kind, value in pairs
    ]
    wanted = list(indexes.values())
    if _postgresql():
        # Arrays, one statement each: the same SQL every time, whatever the batch's size.
        db.session.execute(
            _PG_NEW_INDICATORS,
            {
                "kinds": [row["kind"] for row in new],
                "indexes": wanted,
                "sealed": [row["value_sealed"] for row in new],
                "tails": [row["tail_index"] for row in new],
                "now": now,
            },
        )
        rows = db.session.execute(_PG_INDICATOR_IDS, {"indexes": wanted})
    else:
        db.session.execute(
            _insert(Indicator).on_conflict_do_nothing(index_elements=["value_index"]),  # type: ignore[attr-defined]
            new,
        )
        rows = db.session.execute(
            select(Indicator.value_index, Indicator.id).where(Indicator.value_index.in_(wanted))
        )
    by_index = {bytes(index): id_ for index, id_ in rows}
    ids = {pair: by_index[index] for pair, index in indexes.items()}
    edges = [(tip_id, ids[pair]) for tip_id, tip_pairs in per_tip.items() for pair in tip_pairs]
    if _postgresql():
        db.session.execute(
            _PG_NEW_EDGES, {"tips": [t for t, _ in edges], "indicators": [i for _, i in edges]}
        )
    else:
        db.session.execute(
            _insert(TipIndicator).on_conflict_do_nothing(index_elements=["tip_id", "indicator_id"]),  # type: ignore[attr-defined]
            [{"tip_id": t, "indicator_id": i} for t, i in edges],
        )
    return {
        tip_id: {pair: ids[pair] for pair in tip_pairs} for tip_id, tip_pairs in per_tip.items()
    }


def link_clusters(
    tip_id: int, cluster_id: int | None, indicator_ids: dict[tuple[str, str], int]
) -> int:
    """Merge the tip's cluster with every cluster it shares a linkable indicator with.

    Returns the cluster id, which is the smallest tip id in the merged cluster.
    """
    return link_clusters_many({tip_id: (cluster_id, indicator_ids)})[tip_id]


def link_clusters_many(
    tips: dict[int, tuple[int | None, dict[tuple[str, str], int]]],
) -> dict[int, int]:
    """Link many tips at once: every tip's cluster merges with the clusters of the tips it
    shares a linkable indicator with (tips of the batch included). Returns each tip's
    cluster id, the smallest tip id in its merged cluster; the tips' own rows are left to
    the caller, the other members of a merged cluster are moved here."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LINK_LOCK})
    links = {
        tip_id: [id_ for (kind, value), id_ in ids.items() if is_linkable(kind, value)]
        for tip_id, (_, ids) in tips.items()
    }
    wanted = sorted({id_ for ids in links.values() for id_ in ids})
    sharing: dict[int, set[int]] = {}
    if wanted:
        for indicator_id, other in db.session.execute(
            select(TipIndicator.indicator_id, TipIndicator.tip_id).where(
                TipIndicator.indicator_id.in_(wanted)
            )
        ):
            sharing.setdefault(indicator_id, set()).add(other)
    base = {tip_id: cluster or tip_id for tip_id, (cluster, _) in tips.items()}
    outside = sorted({t for others in sharing.values() for t in others} - base.keys())
    if outside:
        rows = db.session.execute(
            select(Tip.id, func.coalesce(Tip.cluster_id, Tip.id)).where(Tip.id.in_(outside))
        )
        base.update({tip_id: cluster for tip_id, cluster in rows})
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.get(node, node) != node:
            parent[node] = parent.get(parent[node], parent[node])
            node = parent[node]
        return node

    for tip_id, ids in links.items():
        for indicator_id in ids:
            for other in sharing.get(indicator_id, ()):
                if other in base:
                    a, b = root(base[tip_id]), root(base[other])
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    components: dict[int, set[int]] = {}
    for node in set(base.values()):
        components.setdefault(root(node), set()).add(node)
    for target, members in components.items():
        if len(members) > 1:
            db.session.execute(
                update(Tip)
                .where(Tip.cluster_id.in_(members) | Tip.id.in_(members))
                .where((Tip.cluster_id != target) | Tip.cluster_id.is_(None))
                .values(cluster_id=target)
                .execution_options(synchronize_session=False)
            )
    return {tip_id: root(base[tip_id]) for tip_id in tips}


def related_tips(tip_id: int, limit: int = 50, visible_to: int | None = None) -> list[RelatedTip]:
    """Tips that share at least one indicator with this one, most shared first; only those
    organisation `visible_to` may see, when given (filtered before the limit)."""
    mine = TipIndicator.__table__.alias("mine")
    theirs = TipIndicator.__table__.alias("theirs")
    query = (
        select(theirs.c.tip_id, Indicator.kind, Indicator.value_index, Indicator.value_sealed)
        .join(mine, mine.c.indicator_id == theirs.c.indicator_id)
        .join(Indicator, Indicator.id == mine.c.indicator_id)
        .where(mine.c.tip_id == tip_id, theirs.c.tip_id != tip_id)
        .order_by(theirs.c.tip_id)
    )
    if visible_to is not None:
        query = query.where(theirs.c.tip_id.in_(_seen_by(visible_to)))
    rows = db.session.execute(query)
    shared: dict[int, list[tuple[str, str]]] = {}
    for other, kind, index, sealed in rows:
        shared.setdefault(other, []).append((kind, open_value(index, sealed)))
    ranked = sorted(shared.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    return [RelatedTip(other, tuple(pairs)) for other, pairs in ranked]


def cluster_members(
    cluster_id: int, limit: int = 200, visible_to: int | None = None
) -> Sequence[int]:
    """Ids of the tips in a cluster, oldest first (only those `visible_to` may see)."""
    query = select(Tip.id).where(Tip.cluster_id == cluster_id)
    if visible_to is not None:
        query = query.where(Tip.id.in_(_seen_by(visible_to)))
    return list(db.session.scalars(query.order_by(Tip.id).limit(limit)))


def _seen_by(org_id: int) -> Select[Any]:
    return select(TipAccess.tip_id).where(TipAccess.org_id == org_id)


def tip_indicators(tip_id: int) -> list[tuple[str, str]]:
    """The (kind, value) pairs found in a tip, in the order they were stored."""
    rows = db.session.execute(
        select(Indicator.kind, Indicator.value_index, Indicator.value_sealed)
        .join(TipIndicator, TipIndicator.indicator_id == Indicator.id)
        .where(TipIndicator.tip_id == tip_id)
        .order_by(Indicator.id)
    )
    return [(kind, open_value(index, sealed)) for kind, index, sealed in rows]
