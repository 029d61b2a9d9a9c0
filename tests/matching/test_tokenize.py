"""Tokenizer tests: jieba parity, domain dictionary, stop words, bad input."""

import pytest

from matchmaker.matching import tokenize as tk
from matchmaker.matching.normalize import normalize

SAMPLES = [
    "本发明公开了一种基于深度学习的智能门锁人脸识别方法,识别率达99.5%。",
    "采用HPLC-ESI-MS技术,在正离子模式下检测;产量达2076.2kg/667m2.",
    "渤海海域蓬莱9-1花岗岩潜山大型油气田(ET-1)的研究",
    "ＬＥＤ照明灯具的散热设计与配光设计,色温3000K～6500K",
    "<p>石墨烯<b>复合材料</b>&amp;碳纤维</p>",
    "Machine learning for 5G networks, 2024 edition.",
]


def test_normalize_folds_width_case_and_markup():
    """Full-width letters fold to ASCII lower case and tags disappear."""
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("<b>Ｘ</b>&lt;") == " x <"
    assert normalize("") == ""


@pytest.mark.parametrize("text", SAMPLES)
def test_parity_with_jieba(text):
    """rjieba-based tokens equal jieba.lcut tokens under the same dictionary."""
    assert tk.tokenize(text) == tk.jieba_tokenize(text)


def test_no_punctuation_or_stopwords():
    """Punctuation, whitespace and stop words never become terms."""
    toks = tk.tokenize("。，、；：？！……（）【】  \t\n 的 了 和 ——~!@#$%^&*()")
    assert toks == []


def test_domain_term_stays_whole():
    """A shipped domain term is one token."""
    assert "智能门锁" in tk.tokenize("这款智能门锁采用指纹识别")
    assert "石墨烯" in tk.tokenize("石墨烯导热膜")


def test_user_words_change_version_and_segmentation():
    """Admin words take effect at once and change the dictionary version."""
    prior = tk.user_words()  # the process-wide words another test of this worker may have left
    tk.set_user_words([])
    before = tk.dictionary_version()
    text = "新型锁控模组晶格阀的研制"
    assert "锁控模组晶格阀" not in tk.tokenize(text)
    try:
        v = tk.set_user_words(["锁控模组晶格阀"])
        assert v != before and tk.dictionary_version() == v
        assert "锁控模组晶格阀" in tk.tokenize(text)
        assert tk.tokenize(text) == tk.jieba_tokenize(text)
        assert tk.user_words() == ("锁控模组晶格阀",)
        tk.set_user_words([])
        assert tk.dictionary_version() == before
    finally:
        tk.set_user_words(list(prior))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "!!!。。。",
        "12345 678",
        "only english words here",
        "ｆｕｌｌ－ｗｉｄｔｈ１２３",
    ],
)
def test_bad_input_does_not_crash(text):
    """Odd inputs give a (possibly empty) list of clean terms."""
    toks = tk.tokenize(text)
    assert all(t.strip() and any(c.isalnum() for c in t) for t in toks)


def test_large_text():
    """A 1 MB description tokenises."""
    text = "智能制造装备的故障诊断与预测性维护。" * 60000
    assert len(tk.tokenize(text)) > 1000
