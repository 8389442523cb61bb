"""The one walker of message trees, as pure functions over (id, parent) pairs.

Fork and duplicate (which messages to copy, in which order), the admin's tree page, the JSON and
Markdown exports, the chat context (the current branch) and the import repair all read a
conversation's tree through this module. Nothing here touches the database: every function
takes the messages as ``TreeNode`` pairs in their stored order (ascending ``createdAt``) and
returns ids (or nodes), so every rule is a plain unit test.

**Root rule**, the same for every walk: a node is a *root* when its parent is ``NO_PARENT``, the
node's own id, or an id that is not in the set. LibreChat only counts ``NO_PARENT``; chatcore
also counts dangling parents, because deleting a message keeps its children's parent id, and
those children must stay reachable (in the admin, in an export, for "up to target level")
instead of silently dropping out. A message cannot be stored as its own parent (a check
constraint), but an import file can say so.

**Cycles** (A's parent is B, B's parent is A) hang from no root. Every walk is cycle-safe: a
repeated id stops it. The walks that must place every node — ``topological_order``, ``forest``
and ``depth_first`` — break each cycle at its oldest member (first in stored order), which
becomes a root; the rest of the cycle and whatever hangs from it keep their parents. Fork's
level selections (``up_to_target_level``, ``split_at_target_level``) only count levels from
real roots, so they document what they do with a node on a cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from chatcore.models import NO_PARENT


class TreeNode(NamedTuple):
    id: str
    parent: str


class Forest(NamedTuple):
    """Every node under exactly one root: ``roots`` and each ``children`` list in stored order;
    ``parent`` maps a node to its parent in the forest (``NO_PARENT`` for a root)."""

    roots: list[str]
    children: dict[str, list[str]]
    parent: dict[str, str]

    def siblings(self, node_id: str) -> list[str]:
        """The node and its siblings, in stored order (the roots for a root)."""
        parent = self.parent[node_id]
        return self.roots if parent == NO_PARENT else self.children[parent]


def _by_id(nodes: Sequence[TreeNode]) -> dict[str, TreeNode]:
    return {node.id: node for node in nodes}


def is_root(node: TreeNode, ids: dict[str, TreeNode] | set[str]) -> bool:
    """The root rule of the module docstring; ``ids`` are the ids of the whole set."""
    return node.parent in (NO_PARENT, node.id) or node.parent not in ids


def _children(nodes: Sequence[TreeNode]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        children[node.parent].append(node.id)
    return children


def direct_path(nodes: Sequence[TreeNode], target: str) -> list[str]:
    """The target and its ancestors, root first; ``[]`` when the target is unknown.

    Climbs parent links until a root or an id already seen (so a cycle A→B→A with target A
    yields ``[B, A]``). This is also "the current branch" of a chat, climbed from its newest
    message.
    """
    index = _by_id(nodes)
    path: list[str] = []
    seen: set[str] = set()
    current = index.get(target)
    while current is not None and current.id not in seen:
        path.append(current.id)
        seen.add(current.id)
        current = None if is_root(current, index) else index[current.parent]
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


def _walk_levels(
    start: list[str], children: dict[str, list[str]], seen: set[str]
) -> list[list[str]]:
    """Breadth-first levels from ``start`` (already in ``seen``), never revisiting an id."""
    levels: list[list[str]] = []
    level = start
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


def _levels(nodes: Sequence[TreeNode]) -> list[list[str]]:
    """Breadth-first levels from the roots; nodes on a rootless cycle are never reached."""
    index = _by_id(nodes)
    roots = list(dict.fromkeys(node.id for node in nodes if is_root(node, index)))
    return _walk_levels(roots, _children(nodes), set(roots))


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


def _cycle_roots(
    nodes: Sequence[TreeNode], index: dict[str, TreeNode], placed: set[str]
) -> list[str]:
    """The oldest member of every cycle among the nodes not yet ``placed``, in stored order.

    Each unplaced node's parent chain ends on exactly one cycle (every node has one parent), so
    one climb per node, never repeated, finds every cycle in linear time.
    """
    position = {node.id: number for number, node in enumerate(nodes)}
    settled: set[str] = set()
    roots: list[str] = []
    for node in nodes:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current = node.id
        while current not in placed and current not in settled and current not in on_path:
            on_path[current] = len(path)
            path.append(current)
            current = index[current].parent
        if current in on_path:
            roots.append(min(path[on_path[current] :], key=position.__getitem__))
        settled.update(path)
    return sorted(roots, key=position.__getitem__)


def topological_order(nodes: Sequence[TreeNode]) -> list[TreeNode]:
    """Parents before children (roots first, then breadth-first), every root's parent
    ``NO_PARENT`` and every cycle broken.

    Cloning needs each parent's new timestamp before its children's, and an import must not
    store a cycle. Nodes that hang from a rootless cycle come last; each cycle's oldest member
    is re-rooted (its parent becomes ``NO_PARENT``), so the result never contains a cycle.
    """
    index = _by_id(nodes)
    children = _children(nodes)
    roots = list(dict.fromkeys(node.id for node in nodes if is_root(node, index)))
    placed = set(roots)
    levels = _walk_levels(roots, children, placed)
    new_roots = _cycle_roots(nodes, index, placed)
    placed.update(new_roots)
    levels += _walk_levels(new_roots, children, placed)
    rooted = set(roots) | set(new_roots)
    return [
        TreeNode(node_id, NO_PARENT) if node_id in rooted else index[node_id]
        for level in levels
        for node_id in level
    ]


def forest(nodes: Sequence[TreeNode]) -> Forest:
    """The tree as roots and children lists (stored order), cycles broken as in
    ``topological_order``, so every node appears exactly once."""
    parent = {node.id: node.parent for node in topological_order(nodes)}
    roots: list[str] = []
    children: dict[str, list[str]] = defaultdict(list)
    for node_id in dict.fromkeys(node.id for node in nodes):
        own = parent[node_id]
        if own == NO_PARENT:
            roots.append(node_id)
        else:
            children[own].append(node_id)
    return Forest(roots=roots, children=dict(children), parent=parent)


def depth_first(tree: Forest) -> Iterator[tuple[str, int]]:
    """``(id, depth)`` in depth-first pre-order, oldest sibling first; roots have depth 0.

    Iterative, so a chain of any length is walked without recursion. The depths alone say how
    the nodes nest (a node at depth d+1 right after one at depth d is its child).
    """
    stack = [(root, 0) for root in reversed(tree.roots)]
    while stack:
        node_id, depth = stack.pop()
        yield node_id, depth
        stack.extend((child, depth + 1) for child in reversed(tree.children.get(node_id, ())))


def branch_levels(tree: Forest) -> Iterator[tuple[str, int]]:
    """``(id, level)`` in ``depth_first`` order, where the level counts only real branches.

    Roots are at level 0; a node is one level deeper than its parent only when the parent has
    several children, so a straight back-and-forth stays at level 0 however long it is. This
    is how the admin indents a tree (docs/api-behaviour.md#admin-readability).
    """
    stack = [(root, 0) for root in reversed(tree.roots)]
    while stack:
        node_id, level = stack.pop()
        yield node_id, level
        children = tree.children.get(node_id, ())
        child_level = level + 1 if len(children) > 1 else level
        stack.extend((child, child_level) for child in reversed(children))
