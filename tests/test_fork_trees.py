"""The pure tree functions behind fork (docs/api-behaviour.md#fork; fixtures A, B, C)."""

from chatcore.models import NO_PARENT
from messages_app.trees import (
    TreeNode,
    branch_levels,
    direct_path,
    forest,
    path_with_branches,
    split_at_target_level,
    topological_order,
    up_to_target_level,
)

R = NO_PARENT


def nodes(*pairs: tuple[str, str]) -> list[TreeNode]:
    return [TreeNode(i, p) for i, p in pairs]


# Fixture A: roots 0, 1; 2, 3 under 1; 4, 5 under 2; 6, 7 under 3; 8 under 7.
FIXTURE_A = nodes(
    ("0", R), ("1", R), ("2", "1"), ("3", "1"), ("4", "2"), ("5", "2"), ("6", "3"), ("7", "3"),
    ("8", "7"),
)  # fmt: skip
# Fixture B: roots 7, 8; 5, 6 <- 7; 9 <- 8; 2, 3 <- 5; 1, 4 <- 6; 10 <- 3.
FIXTURE_B = nodes(
    ("7", R), ("8", R), ("5", "7"), ("6", "7"), ("9", "8"), ("2", "5"), ("3", "5"), ("1", "6"),
    ("4", "6"), ("10", "3"),
)  # fmt: skip
# Fixture C: roots 11, 12; 13 <- 11; 14 <- 12; 15, 16, 21 <- 13; 17 <- 14; 18 <- 16; ...
FIXTURE_C = nodes(
    ("11", R), ("12", R), ("13", "11"), ("14", "12"), ("15", "13"), ("16", "13"), ("17", "14"),
    ("18", "16"), ("19", "18"), ("20", "19"), ("21", "13"),
)  # fmt: skip


def test_direct_path_is_root_first_ancestors_of_the_target():
    assert direct_path(FIXTURE_A, "3") == ["1", "3"]
    assert direct_path(FIXTURE_A, "8") == ["1", "3", "7", "8"]
    assert direct_path(FIXTURE_B, "2") == ["7", "5", "2"]


def test_direct_path_stops_on_a_cycle():
    assert direct_path(nodes(("100", "101"), ("101", "100")), "100") == ["101", "100"]


def test_direct_path_of_an_unknown_target_is_empty():
    assert direct_path(FIXTURE_A, "nope") == []


def test_path_with_branches_adds_siblings_along_the_path_but_not_target_children():
    assert path_with_branches(FIXTURE_A, "3") == ["1", "2", "3"]
    assert path_with_branches(FIXTURE_C, "18") == ["11", "13", "15", "16", "18", "21"]
    assert path_with_branches(FIXTURE_A, "nope") == []


def test_up_to_target_level_walks_levels_from_the_roots():
    assert up_to_target_level(FIXTURE_A, "3") == ["0", "1", "2", "3"]
    assert up_to_target_level(FIXTURE_B, "5") == ["7", "8", "5", "6", "9"]
    assert sorted(up_to_target_level(FIXTURE_B, "10")) == sorted(n.id for n in FIXTURE_B)
    assert up_to_target_level(FIXTURE_B, "7") == ["7", "8"]
    assert up_to_target_level(FIXTURE_B, "nope") == []


def test_up_to_target_level_of_a_single_message_and_of_a_rootless_cycle():
    assert up_to_target_level(nodes(("x", R)), "x") == ["x"]
    assert up_to_target_level(nodes(("100", "101"), ("101", "100")), "100") == ["101", "100"]


def test_up_to_target_level_treats_a_dangling_parent_as_a_root():
    tree = nodes(("a", R), ("b", "deleted"), ("c", "b"))
    assert up_to_target_level(tree, "c") == ["a", "b", "c"]


def test_split_at_target_level_keeps_that_level_and_below_and_reroots_it():
    assert split_at_target_level(FIXTURE_B, "2") == nodes(
        ("2", R), ("3", R), ("1", R), ("4", R), ("10", "3")
    )
    assert [n.id for n in split_at_target_level(FIXTURE_B, "5")] == [
        "5", "6", "9", "2", "3", "1", "4", "10",
    ]  # fmt: skip
    assert split_at_target_level(FIXTURE_B, "10") == nodes(("10", R))
    assert split_at_target_level(FIXTURE_B, "nope") == []


def test_topological_order_puts_parents_first_and_breaks_cycles():
    shuffled = nodes(("c", "b"), ("b", "a"), ("a", R))
    assert topological_order(shuffled) == nodes(("a", R), ("b", "a"), ("c", "b"))
    cycle = nodes(("101", "100"), ("100", "101"))
    assert topological_order(cycle) == nodes(("101", R), ("100", "101"))


def test_branch_levels_keep_a_straight_chain_flat_and_indent_only_at_branches():
    chain = [TreeNode("a", NO_PARENT), TreeNode("b", "a"), TreeNode("c", "b"), TreeNode("d", "c")]
    assert list(branch_levels(forest(chain))) == [("a", 0), ("b", 0), ("c", 0), ("d", 0)]
    branched = [
        TreeNode("q", NO_PARENT),
        TreeNode("r1", "q"),
        TreeNode("r2", "q"),
        TreeNode("q2", "r2"),
        TreeNode("r3", "q2"),
    ]
    assert list(branch_levels(forest(branched))) == [
        ("q", 0),
        ("r1", 1),
        ("r2", 1),
        ("q2", 1),
        ("r3", 1),
    ]
