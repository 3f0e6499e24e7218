from models.importing.outline import build_outline, clean_lines


def _codes(text: str) -> list[tuple[str, str]]:
    outline = build_outline(clean_lines(text, join_wrapped=True))
    return [(node.code, node.heading) for node in outline.walk()]


def test_full_hierarchy_with_noisy_markers() -> None:
    text = "\n".join([
        "关于印发某方案的通知", "1. [主题分类] ----",  # web header before the first 一、 is preamble
        "一、主要任务", "(一)组建新机构", "1.制定三定", "1)拟定草案", "（2）征求意见", "2.挂牌", "3解决遗留问题",
        "二）理顺关系", "3月底前完成清理。", "二、组织实施",
    ])
    assert _codes(text) == [
        ("一", "主要任务"), ("一.(一)", "组建新机构"), ("一.(一).1", "制定三定"), ("一.(一).1.(1)", "拟定草案"),
        ("一.(一).1.(2)", "征求意见"), ("一.(一).2", "挂牌"), ("一.(一).3", "解决遗留问题"),
        ("一.(二)", "理顺关系"), ("二", "组织实施")]


def test_bare_number_only_counts_when_it_continues_the_sequence() -> None:
    text = "一、任务\n1.甲\n5乙方案\n3个部门参与"
    assert [code for code, _ in _codes(text)] == ["一", "一.1"]


def test_wrapped_lines_are_rejoined_but_short_lines_are_not() -> None:
    head = "这是一个被分页截断的很长的句子，它没有结束标点而且超过了二十五个字"
    rest = "符，后半句也足够长所以会被接上。"
    lines = clean_lines(f"一、任务\n{head}\n{rest}\n北京市朝阳区人民政府\n2017年6月9日", join_wrapped=True)
    assert lines == ["一、任务", head + rest, "北京市朝阳区人民政府", "2017年6月9日"]
