import pytest
from lighter_common.backends.driver_log import DriverLogFacts, last_error_line

UI_PORT = "26/11/28 00:34:39 INFO Utils: Successfully started service 'SparkUI' on port 4041."
ADDRESS = "26/11/28 00:34:39 INFO NettyBlockTransferService: Server created on 192.0.2.2:41641"
BOUND = "INFO SparkUI: Bound SparkUI to 0.0.0.0, and started at http://host.example:4040"


def facts_of(*lines: str) -> DriverLogFacts:
    facts = DriverLogFacts()
    for line in lines:
        facts.read_line(line)
    return facts


@pytest.mark.parametrize(
    ("lines", "url"),
    [
        ((BOUND,), "http://host.example:4040"),
        ((UI_PORT, ADDRESS), "http://192.0.2.2:4041"),
        ((UI_PORT,), None),
        ((BOUND, UI_PORT, ADDRESS), "http://host.example:4040"),
    ],
)
def test_spark_ui_url(lines: tuple[str, ...], url: str | None) -> None:
    assert facts_of(*lines).spark_ui_url == url


def test_facts_are_complete_with_the_ui() -> None:
    assert not facts_of(UI_PORT).complete
    assert facts_of(UI_PORT, ADDRESS).complete


@pytest.mark.parametrize(
    ("log", "line"),
    [
        (
            'Traceback (most recent call last):\n  File "f.py", line 9\n'
            "ValueError: no good\n26/11/28 INFO ShutdownHookManager: Shutdown hook called\n",
            "ValueError: no good",
        ),
        (
            "pyspark.errors.exceptions.captured.AnalysisException: [TABLE_NOT_FOUND] t\n",
            "pyspark.errors.exceptions.captured.AnalysisException: [TABLE_NOT_FOUND] t",
        ),
        ("KeyboardInterrupt\n", None),
        (
            'Exception in thread "main" java.lang.ClassNotFoundException: x.Main\n\tat a.b(C)\n',
            'Exception in thread "main" java.lang.ClassNotFoundException: x.Main',
        ),
        ("Error: Failed to load class x.Main.\n", "Error: Failed to load class x.Main."),
        (
            "26/11/28 00:34:39 ERROR SparkContext: Error initializing SparkContext.\n"
            "26/11/28 00:34:40 INFO Utils: bye\n",
            "26/11/28 00:34:39 ERROR SparkContext: Error initializing SparkContext.",
        ),
        ("26/11/28 00:34:39 INFO SparkContext: all well\n", None),
        ("", None),
    ],
)
def test_last_error_line(log: str, line: str | None) -> None:
    assert last_error_line(log) == line
