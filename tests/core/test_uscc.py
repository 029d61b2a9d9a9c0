"""The GB 32100-2015 check character."""

import pytest

from matchmaker.utils.uscc import uscc_error


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91440300708461136T"],
)
def test_published_codes_are_valid(code):
    assert uscc_error(code) is None


def test_check_character_detects_each_single_change():
    code = "91350100M000100Y43"
    for i in range(17):
        for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            if c != code[i]:
                changed = code[:i] + c + code[i + 1 :]
                assert uscc_error(changed) is not None, changed


@pytest.mark.parametrize(
    ("code", "message"),
    [("123", "18 位"), ("91350100M000100YI3", "无效字符"), ("91350100M000100Y44", "校验位错误")],
)
def test_bad_codes_explained(code, message):
    assert message in uscc_error(code)


def test_full_width_code_is_the_same_code():
    # typed in an input method's full-width mode: the same code, not an exception
    assert uscc_error("９１３５０１００Ｍ０００１００Ｙ４３") is None
    assert uscc_error("91350100M000100Y43".replace("0100", "０１００", 1)) is None


@pytest.mark.parametrize("digit", ["٣", "३", "〇"])
def test_digits_of_other_scripts_are_explained_not_raised(digit):
    # places 3-8 are digits: a digit of another script is refused with the message, never a ValueError
    assert "无效字符" in uscc_error("91" + digit + "50100M000100Y43")
