"""What the index keeps of a text, how a query is read, and how matches are marked."""

from __future__ import annotations

from daibiao.routing.search.analysis import Term, highlight, index_text, parse, snippet, tokens


def test_chinese_runs_become_bigrams_each_run_closed_by_its_last_character():
    assert tokens("村道破损") == ["村道", "道破", "破损", "损"]
    # Punctuation ends a run: no bigram spans it.
    assert tokens("路灯，村口") == ["路灯", "灯", "村口", "口"]


def test_ascii_words_and_numbers_stay_whole_and_lower_case():
    assert tokens("G207国道 3.5km") == ["g207", "国道", "道", "3", "5km"]


def test_full_width_characters_are_folded_like_half_width_ones():
    assert tokens("Ｇ２０７") == tokens("G207") == ["g207"]


def test_index_text_is_tokens_separated_by_spaces():
    assert index_text("水渠堵塞") == "水渠 渠堵 堵塞 塞"
    assert index_text("") == ""


def test_overlong_ascii_runs_are_left_out():
    assert tokens("a" * 65 + " 路") == ["路"]


def test_a_query_is_cut_into_the_words_that_must_each_occur():
    assert [t.text for t in parse("路灯不亮")] == ["路灯", "不亮"]
    assert [t.text for t in parse("  村道，破损  ")] == ["村道", "破损"]


def test_a_query_keeps_ascii_words_apart_from_chinese_ones():
    assert [t.text for t in parse("G207国道")] == ["g207", "国道"]


def test_function_words_are_dropped_unless_nothing_else_is_left():
    assert [t.text for t in parse("村道的破损")] == ["村道", "破损"]
    assert [t.text for t in parse("的")] == ["的"]


def test_a_query_without_letters_or_digits_has_no_words():
    assert parse("！？…") == []
    assert parse("") == []


def test_repeated_words_count_once():
    assert [t.text for t in parse("路灯 路灯")] == ["路灯"]


def test_highlight_escapes_markup_before_marking_matches():
    html = highlight("<script>路灯</script>不亮", [Term("路灯")])
    assert html == "&lt;script&gt;<mark>路灯</mark>&lt;/script&gt;不亮"


def test_highlight_marks_every_occurrence_and_merges_overlaps():
    assert highlight("路灯路灯", [Term("路灯")]) == "<mark>路灯路灯</mark>"
    assert highlight("村道破损", [Term("村道"), Term("道破")]) == "<mark>村道破</mark>损"


def test_highlight_finds_full_width_text_and_marks_the_original_characters():
    assert highlight("Ｇ２０７国道", [Term("g207")]) == "<mark>Ｇ２０７</mark>国道"


def test_highlight_marks_ascii_words_only_whole():
    assert highlight("g2070 and g207", [Term("g207")]) == "g2070 and <mark>g207</mark>"


def test_snippet_cuts_around_the_first_match_with_ellipses():
    text = "前" * 200 + "路灯" + "后" * 200
    html = snippet(text, [Term("路灯")], width=40)
    assert html.startswith("…")
    assert html.endswith("…")
    assert "<mark>路灯</mark>" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) == 42


def test_snippet_of_a_short_text_is_the_whole_text_on_one_line():
    assert snippet("村口\n路灯坏了", [Term("路灯")]) == "村口 <mark>路灯</mark>坏了"


def test_snippet_without_a_match_is_the_start_of_the_text():
    assert snippet("甲" * 300, [Term("路灯")], width=10) == "甲" * 10 + "…"
