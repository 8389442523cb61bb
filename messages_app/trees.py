"""Pure tree algorithms over (id, parent) pairs, used by fork and duplicate (spec §2.8).

Nothing here touches the database: every function takes the conversation's messages as
``TreeNode`` pairs in their stored order (ascending ``createdAt``) and returns ids (or nodes), so
the fixtures of spec §8.3 are plain unit tests. Every walk is cycle-safe: a repeated id stops it.

A *root* is a node whose parent is ``NO_PARENT`` **or a parent that is not in the set**. LibreChat
only counts ``NO_PARENT``; chatcore also counts dangling parents, because deleting a message keeps
its children's parent id (decisions.md), and such children must stay reachable for "up to target
level" and "split at target level" instead of silently dropping out of a fork.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from chatcore.models import NO_PARENT


class TreeNode(NamedTuple):
    id: str
    parent: str


def _by_id(nodes: Sequence[TreeNode]) -> dict[str, TreeNode]:
    return {node.id: node for node in nodes}


def _is_root(node: TreeNode, index: dict[str, TreeNode]) -> bool:
    return node.parent == NO_PARENT or node.parent not in index


def _children(nodes: Sequence[TreeNode]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        children[node.parent].append(node.id)
    return children


def direct_path(nodes: Sequence[TreeNode], target: str) -> list[str]:
    """The target and its ancestors, root first; ``[]`` when the target is unknown.

    Climbs parent links until ``NO_PARENT``, a parent outside the set, or an id already seen
    (so a cycle A→B→A with target A yields ``[B, A]``).
    """
    index = _by_id(nodes)
    path: list[str] = []
    seen: set[str] = set()
    current = index.get(target)
    while current is not None and current.id not in seen:
        path.append(current.id)
        seen.add(current.id)
        current = index.get(current.parent) if current.parent != NO_PARENT else None
    path.reverse()
    return path


def path_with_branches(nodes: Sequence[TreeNode], target: str) -> list[str]:
    """The direct path plus every child of a path node, except the target's own children.

    Output keeps the stored order. Other roots are not included; ``[]`` for an unknown target.
    """
    on_path = set(direct_path(nodes, target))
    if not on_path:
        return []
    return [
        node.id
        for node in nodes
        if node.id in on_path or (node.parent in on_path and node.parent != target)
    ]


def _levels(nodes: Sequence[TreeNode]) -> list[list[str]]:
    """Breadth-first levels from the roots; nodes on a rootless cycle are never reached."""
    index = _by_id(nodes)
    children = _children(nodes)
    level = [node.id for node in nodes if _is_root(node, index)]
    seen = set(level)
    levels: list[list[str]] = []
    while level:
        levels.append(level)
        following: list[str] = []
        for node_id in level:
            for child in children.get(node_id, ()):
                if child not in seen:
                    seen.add(child)
                    following.append(child)
        level = following
    return levels


def up_to_target_level(nodes: Sequence[TreeNode], target: str) -> list[str]:
    """Every node on the levels from the roots down to the target's level, in level order.

    A target on a rootless cycle (unreachable from any root) yields its direct path, so a fork
    still copies what the user pointed at; an unknown target yields ``[]``.
    """
    index = _by_id(nodes)
    if target not in index:
        return []
    result: list[str] = []
    for level in _levels(nodes):
        result.extend(level)
        if target in level:
            return result
    return direct_path(nodes, target)


def split_at_target_level(nodes: Sequence[TreeNode], target: str) -> list[TreeNode]:
    """The nodes at or below the target's level; those exactly at it become roots.

    Stored order is kept. ``[]`` when the target is unknown or unreachable from every root.
    """
    depth: dict[str, int] = {}
    for number, level in enumerate(_levels(nodes)):
        for node_id in level:
            depth[node_id] = number
    if target not in depth:
        return []
    cut = depth[target]
    kept: list[TreeNode] = []
    for node in nodes:
        level = depth.get(node.id)
        if level is None or level < cut:
            continue
        kept.append(TreeNode(node.id, NO_PARENT) if level == cut else node)
    return kept


def topological_order(nodes: Sequence[TreeNode]) -> list[TreeNode]:
    """Parents before children (roots first, then breadth-first), cycles broken.

    Cloning needs each parent's new timestamp before its children's. Nodes on a rootless cycle
    come last in stored order; the first of them whose parent is not yet placed is re-rooted
    (its parent becomes ``NO_PARENT``), so a copy never contains a cycle.
    """
    index = _by_id(nodes)
    ordered: list[TreeNode] = []
    placed: set[str] = set()
    for level in _levels(nodes):
        for node_id in level:
            node = index[node_id]
            ordered.append(TreeNode(node.id, NO_PARENT) if _is_root(node, index) else node)
            placed.add(node_id)
    leftovers = [node for node in nodes if node.id not in placed]
    while leftovers:
        progressed = False
        remaining: list[TreeNode] = []
        for node in leftovers:
            if node.parent in placed:
                ordered.append(node)
                placed.add(node.id)
                progressed = True
            else:
                remaining.append(node)
        if not progressed:
            first = remaining.pop(0)
            ordered.append(TreeNode(first.id, NO_PARENT))
            placed.add(first.id)
        leftovers = remaining
    return ordered
