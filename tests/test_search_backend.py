"""The PostgreSQL haystack backend: query syntax, unicode, ranking, owner scoping, limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from haystack import connections
from haystack.exceptions import SearchBackendError
from haystack.query import SearchQuerySet

from chatcore.errors import InvalidInput
from chatcore.search import api
from chatcore.search.models import SearchDocument
from convos_app.models import Conversation
from convos_app.search import conversation_search_pks
from messages_app.models import Message
from messages_app.search import message_search
from tests.factories import ContentPartFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def texts(user, query: str, **filters) -> list[str]:
    """Texts of ``user``'s matching messages, best first."""
    sqs = SearchQuerySet().models(Message).filter(owner=user.pk).filter(content=query)
    if filters:
        sqs = sqs.filter(**filters)
    pks = [int(result.pk) for result in sqs[:100]]
    by_pk = dict(Message.objects.filter(pk__in=pks).values_list("pk", "text"))
    return [by_pk[pk] for pk in pks]


@pytest.fixture
def convo(user):
    return ConversationFactory(user=user, title="Planning notes")


def say(convo, text: str, **kwargs) -> Message:
    return MessageFactory(conversation=convo, text=text, **kwargs)


def test_words_are_anded_and_case_insensitive(convo, user):
    say(convo, "The Quick brown fox")
    say(convo, "a quick decision")
    assert texts(user, "quick FOX") == ["The Quick brown fox"]
    assert sorted(texts(user, "QUICK")) == ["The Quick brown fox", "a quick decision"]


def test_quoted_phrase_requires_adjacency(convo, user):
    say(convo, "brown fox jumps")
    say(convo, "fox is brown")
    assert texts(user, '"brown fox"') == ["brown fox jumps"]


def test_negation_and_or(convo, user):
    say(convo, "apples and pears")
    say(convo, "apples and plums")
    say(convo, "cherries only")
    assert texts(user, "apples -pears") == ["apples and plums"]
    assert sorted(texts(user, "pears or cherries")) == ["apples and pears", "cherries only"]


def test_last_word_matches_as_prefix_while_typing(convo, user):
    say(convo, "configuration of gunicorn workers")
    assert texts(user, "gunicorn work") == ["configuration of gunicorn workers"]
    # A finished word (followed by a space) is matched whole.
    assert texts(user, "gunicorn work ") == []
    # Only the last word is a prefix.
    assert texts(user, "guni workers") == []
    # A negated last word is not widened into a prefix.
    assert texts(user, "gunicorn -work") == ["configuration of gunicorn workers"]


def test_accents_fold_both_ways(convo, user):
    say(convo, "Un café crème à Genève")
    say(convo, "naive resume")
    assert texts(user, "cafe creme") == ["Un café crème à Genève"]
    assert texts(user, "GENÈVE") == ["Un café crème à Genève"]
    assert texts(user, "naïve résumé") == ["naive resume"]


def test_cjk_substrings_match_as_phrases(convo, user):
    say(convo, "東京タワーに行きました")
    say(convo, "京都と東北")
    assert texts(user, "東京") == ["東京タワーに行きました"]
    assert texts(user, "タワー") == ["東京タワーに行きました"]
    # The characters of a CJK query must be adjacent, in order.
    assert texts(user, "京東") == []
    assert texts(user, "-東京 京") == ["京都と東北"]


def test_emoji_are_searchable(convo, user):
    say(convo, "Party time 🎉 tonight")
    say(convo, "no emoji here")
    assert texts(user, "🎉") == ["Party time 🎉 tonight"]
    assert texts(user, "party 🎉") == ["Party time 🎉 tonight"]


def test_content_parts_text_and_think_are_indexed(convo, user):
    message = say(convo, "")
    ContentPartFactory(message=message, index=0, type="think", text="pondering zeppelins")
    ContentPartFactory(message=message, index=1, type="text", text="airships answer")
    ContentPartFactory(message=message, index=2, type="tool_call", text="secretword")
    assert [int(r.pk) for r in SearchQuerySet().filter(owner=user.pk, content="zeppelins")] == [
        message.pk
    ]
    assert SearchQuerySet().filter(owner=user.pk, content="airships").count() == 1
    assert SearchQuerySet().filter(owner=user.pk, content="secretword").count() == 0


def test_ranking_by_relevance_then_recency(convo, user):
    now = timezone.now()
    say(convo, "kafka once", updated_at=now - timedelta(days=3))
    say(convo, "kafka kafka kafka streams kafka", updated_at=now - timedelta(days=5))
    say(convo, "kafka once", updated_at=now - timedelta(days=1), created_at=now)
    old, newer = Message.objects.filter(text="kafka once").order_by("updated_at")
    results = list(SearchQuerySet().models(Message).filter(owner=user.pk, content="kafka"))
    best = Message.objects.get(text__startswith="kafka kafka")
    assert [int(r.pk) for r in results] == [best.pk, newer.pk, old.pk]
    assert results[0].score > results[1].score == results[2].score


@pytest.fixture
def rank_candidates(monkeypatch):
    """Set the backend's ``RANK_CANDIDATES`` for one test."""

    def use(cap: int) -> None:
        monkeypatch.setattr(connections["default"].get_backend(), "rank_candidates", cap)

    return use


@pytest.fixture
def lynx_history(convo):
    """The most relevant message is the oldest; three newer ones mention the word once."""
    now = timezone.now()
    best = say(convo, "lynx lynx lynx lynx", updated_at=now - timedelta(days=30))
    newer = [say(convo, "lynx once", updated_at=now - timedelta(days=day)) for day in (3, 2, 1)]
    return best, newer


def test_relevance_ranks_only_the_newest_candidates(user, lynx_history, rank_candidates):
    best, newer = lynx_history
    rank_candidates(3)
    capped = SearchQuerySet().models(Message).filter(owner=user.pk, content="lynx")
    assert [int(r.pk) for r in capped] == [m.pk for m in reversed(newer)]
    assert capped.count() == 3
    for uncapped in (0, 10):
        rank_candidates(uncapped)
        results = SearchQuerySet().models(Message).filter(owner=user.pk, content="lynx")
        assert [int(r.pk) for r in results] == [best.pk] + [m.pk for m in reversed(newer)]
        assert results.count() == 4


def test_date_order_is_not_capped(user, lynx_history, rank_candidates):
    best, newer = lynx_history
    rank_candidates(2)
    by_date = (
        SearchQuerySet()
        .models(Message)
        .filter(owner=user.pk, content="lynx")
        .order_by("-updated_at")
    )
    assert [int(r.pk) for r in by_date] == [m.pk for m in reversed(newer)] + [best.pk]


def test_capped_search_pages_end_at_the_cap(user, lynx_history, rank_candidates):
    rank_candidates(3)
    first = message_search(user=user, query="lynx", page_size=2)
    assert (len(first.hits), first.total) == (2, 3)
    assert first.next_cursor
    second = message_search(user=user, query="lynx", cursor=first.next_cursor, page_size=2)
    assert (len(second.hits), second.total, second.next_cursor) == (1, 3, None)
    # The two pages together are exactly the three newest matches; the oldest is never reached.
    assert {h.message_pk for h in first.hits + second.hits} == {m.pk for m in lynx_history[1]}


def test_conversation_search_is_not_limited_by_the_rank_cap(user, rank_candidates):
    older = ConversationFactory(user=user, title="Ocelot sightings")
    newer = ConversationFactory(user=user, title="Misc")
    say(newer, "an ocelot again")
    rank_candidates(1)
    assert conversation_search_pks(user=user, query="ocelot") == sorted([older.pk, newer.pk])


@pytest.mark.parametrize("query", ["heron", "heron -grey", '"grey heron"', "her", "pond or lake"])
def test_walk_and_index_shapes_find_the_same(user, other_user, monkeypatch, query, rank_candidates):
    mine, theirs = ConversationFactory(user=user), ConversationFactory(user=other_user)
    now = timezone.now()
    for day, text in enumerate(
        ["grey heron by the pond", "heron", "a lake", "herons and heron chicks", "grey lake"] * 3
    ):
        say(mine, text, updated_at=now - timedelta(hours=day))
        say(theirs, text)
    rank_candidates(4)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chatcore_search_document")  # the walk needs statistics
    shapes = {}
    for label, fraction in (("walk", 0.0), ("index", 2.0)):
        monkeypatch.setattr("chatcore.search.ranking.WALK_MIN_FRACTION", fraction)
        sqs = SearchQuerySet().models(Message).filter(owner=user.pk, content=query)
        with CaptureQueriesContext(connection) as captured:
            shapes[label] = ([(int(r.pk), round(r.score, 6)) for r in sqs], sqs.count())
        search_sql = next(q["sql"] for q in captured.captured_queries if "ts_rank" in q["sql"])
        assert ("d.user_id = " in search_sql) == (label == "walk")
    assert shapes["walk"] == shapes["index"]
    results, count = shapes["walk"]
    assert 0 < count <= 4
    assert set(
        Message.objects.filter(pk__in=[pk for pk, _ in results]).values_list("user_id", flat=True)
    ) == {user.pk}


def test_owner_isolation_results_and_counts(convo, user, other_user):
    say(convo, "canary-7f3a lives here")
    theirs = ConversationFactory(user=other_user, title="canary-7f3a title")
    say(theirs, "canary-7f3a lives here")
    mine = SearchQuerySet().filter(owner=user.pk, content="canary-7f3a")
    assert mine.count() == 1
    assert {r.owner for r in mine} == {user.pk}
    nobody = SearchQuerySet().filter(owner=user.pk, content="canary-7f3b")
    assert nobody.count() == 0
    # Filtering on another user's conversation inside my scope finds nothing either.
    other_convo = SearchQuerySet().filter(owner=user.pk, conversation_pk=theirs.pk)
    assert other_convo.count() == 0


def test_search_without_owner_is_refused(convo, user):
    say(convo, "anything")
    with pytest.raises(SearchBackendError):
        list(SearchQuerySet().filter(content="anything"))
    with pytest.raises(SearchBackendError):
        list(SearchQuerySet().filter_or(owner=user.pk).filter_or(content="anything"))


def test_models_restriction_and_field_filters(user):
    convo = ConversationFactory(user=user, title="Orchids care", is_archived=True)
    say(convo, "orchids need light")
    assert (
        SearchQuerySet().models(Conversation).filter(owner=user.pk, content="orchids").count() == 1
    )
    assert SearchQuerySet().models(Message).filter(owner=user.pk, content="orchids").count() == 1
    assert SearchQuerySet().filter(owner=user.pk, content="orchids").count() == 2
    archived = SearchQuerySet().models(Conversation).filter(owner=user.pk, is_archived=True)
    assert [r.title for r in archived] == ["Orchids care"]
    assert (
        SearchQuerySet().filter(owner=user.pk, content="orchids", conversation_pk=convo.pk).count()
        == 2
    )


def test_highlight_is_escaped_and_marks_matches(convo, user):
    say(convo, "<b>Zebra</b> & zebras meet a ZEBRA")
    result = SearchQuerySet().filter(owner=user.pk, content="zebra ").highlight()[0]
    assert result.highlighted["text"] == [
        "&lt;b&gt;<mark>Zebra</mark>&lt;/b&gt; &amp; zebras meet a <mark>ZEBRA</mark>"
    ]
    # While the word is being typed it is a prefix, and the highlight follows.
    result = SearchQuerySet().filter(owner=user.pk, content="zebr").highlight()[0]
    assert result.highlighted["text"] == [
        "&lt;b&gt;<mark>Zebra</mark>&lt;/b&gt; &amp; <mark>zebras</mark> meet a <mark>ZEBRA</mark>"
    ]


def test_highlight_of_a_long_message_is_a_window_around_the_first_match(convo, user):
    before = " ".join(f"filler{i}" for i in range(400))
    after = " ".join(f"tail{i}" for i in range(400))
    say(convo, f"{before} Café crème and café noir {after} café again")
    result = SearchQuerySet().filter(owner=user.pk, content="cafe ").highlight()[0]
    (snippet,) = result.highlighted["text"]
    assert snippet.startswith("…filler")
    assert snippet.endswith("…")
    assert "<mark>Café</mark> crème and <mark>café</mark> noir tail0" in snippet
    assert len(snippet) < 320
    assert "again" not in snippet


def test_highlight_marks_emoji_only_when_asked_for(convo, user):
    say(convo, "party 🎉 time 🎉 ok")
    by_emoji = SearchQuerySet().filter(owner=user.pk, content="🎉").highlight()[0]
    assert by_emoji.highlighted["text"] == ["party <mark>🎉</mark> time <mark>🎉</mark> ok"]
    by_word = SearchQuerySet().filter(owner=user.pk, content="party ").highlight()[0]
    assert by_word.highlighted["text"] == ["<mark>party</mark> 🎉 time 🎉 ok"]


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("a & b | !c", False),  # the words a, b, c: there is no "a"
        ("'", False),
        ('"', False),
        ("\\", False),
        (":*", False),
        ("<->", False),
        ("foo:*", True),  # the word foo
        ("(((", False),
        ("a <-> b", False),
        ("!!x", True),  # the word x
        ("'; drop table x; --", False),  # the words drop, table, x
    ],
)
def test_tsquery_syntax_in_user_text_is_harmless(convo, user, query, finds):
    # Operators and quotes are punctuation to the search: no error, and the words left over
    # find exactly the messages containing them.
    say(convo, "plain words b c foo x")
    assert texts(user, query) == (["plain words b c foo x"] if finds else [])
    assert SearchQuerySet().filter(owner=user.pk, content=query).count() == int(finds)


def test_check_query_rejections(convo):
    with pytest.raises(InvalidInput) as too_long:
        api.check_query("a" * 513)
    assert too_long.value.error == "Search query is too long (at most 512 characters)"
    api.check_query("a" * 512)
    for bad in ("nul\x00byte", "\ud800"):
        with pytest.raises(InvalidInput) as invalid:
            api.check_query(bad)
        assert invalid.value.error == "Search query contains invalid characters"
    for empty in ("", "   ", "--", "&&", '""', "- -", "!:*"):
        with pytest.raises(InvalidInput) as nothing:
            api.check_query(empty)
        assert nothing.value.error == "Search query has no searchable words"


def test_one_mebibyte_message_is_stored_whole_and_indexed_capped(convo, user):
    words = " ".join(f"w{i:06x}" for i in range(150_000))  # ~1.2 MB of distinct words
    assert len(words) > 1024 * 1024
    message = say(convo, "needle-first " + words)
    message.refresh_from_db()
    assert len(message.text) == len("needle-first " + words)
    document = SearchDocument.objects.get(django_ct="messages_app.message", django_id=message.pk)
    assert len(document.body) <= 100_000
    assert texts(user, "needle-first") == [message.text]


def test_adversarial_cjk_message_cannot_overflow_the_tsvector(convo, user):
    # Every distinct ideograph is its own lexeme: the densest possible tsvector per byte.
    distinct = "".join(chr(code) for code in range(0x4E00, 0x9FFF)) + "".join(
        chr(code) for code in range(0x20000, 0x2A6DF)
    )
    text = (distinct * 3)[: 1024 * 1024 // 2]
    message = say(convo, text)
    message.refresh_from_db()
    assert message.text == text
    assert texts(user, "一丁")[0][:2] == "一丁"


def test_rolled_back_write_is_never_searchable(convo, user):
    with pytest.raises(RuntimeError), transaction.atomic():
        say(convo, "ephemeral-zz9 text")
        assert len(texts(user, "ephemeral-zz9")) == 1
        raise RuntimeError("abort")
    assert texts(user, "ephemeral-zz9") == []
    assert not SearchDocument.objects.filter(body__contains="ephemeral-zz9").exists()
