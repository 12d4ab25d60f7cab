import pytest
from lighter_common.domain.access import ANONYMOUS, AccessPolicy, Principal, names
from lighter_common.domain.application import Application, ApplicationType
from lighter_common.domain.submit_params import SubmitParams

POLICY = AccessPolicy(
    allowed_users=names("*"),
    view_groups=names("auditors"),
    modify_groups=names("ops"),
    superusers=names("root"),
)
ALICE = Principal("alice", frozenset({"analysts"}))
BOB = Principal("bob")
AUDITOR = Principal("carol", frozenset({"auditors"}))
OPERATOR = Principal("dave", frozenset({"ops"}))
ROOT = Principal("root")
ALICES = Application(type=ApplicationType.BATCH, submit_params=SubmitParams(), owner="alice")


@pytest.mark.parametrize(
    ("who", "view", "modify", "sees_all"),
    [
        (ALICE, True, True, False),
        (BOB, False, False, False),
        (AUDITOR, True, False, True),
        (OPERATOR, True, True, True),
        (ROOT, True, True, True),
        (ANONYMOUS, True, True, True),
    ],
)
def test_who_sees_and_changes_an_application(
    who: Principal, view: bool, modify: bool, sees_all: bool
) -> None:
    assert POLICY.may_view(who, ALICES) is view
    assert POLICY.may_modify(who, ALICES) is modify
    assert POLICY.sees_all(who) is sees_all


@pytest.mark.parametrize(
    ("who", "proxy_user", "allowed"),
    [
        (ALICE, None, True),
        (ALICE, "alice", True),
        (ALICE, "bob", False),
        (OPERATOR, "bob", False),
        (ROOT, "bob", True),
        (ANONYMOUS, "bob", True),
    ],
)
def test_only_superusers_impersonate(who: Principal, proxy_user: str | None, allowed: bool) -> None:
    problem = POLICY.proxy_user_problem(who, proxy_user)
    assert (problem is None) is allowed
    if problem is not None:
        assert "LIGHTER_AUTH_SUPERUSERS" in problem and "bob" in problem


def test_the_owner_is_the_caller_or_without_authentication_the_proxy_user() -> None:
    assert POLICY.owner_of_new(ALICE, None) == "alice"
    assert POLICY.owner_of_new(ROOT, "bob") == "root"
    assert POLICY.owner_of_new(ANONYMOUS, "bob") == "bob"


def test_allowed_users_limit_who_may_use_lighter() -> None:
    only_alice = AccessPolicy(allowed_users=names("alice"), superusers=names("root"))
    assert only_alice.may_use(ALICE) and only_alice.may_use(ROOT)
    assert not only_alice.may_use(BOB)


def test_names_ignore_blanks_and_spaces() -> None:
    assert names(" a, b ,,c ") == {"a", "b", "c"}
    assert names("") == frozenset()
