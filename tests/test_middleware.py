"""The language middleware: Dutch unless the user picked another language."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def html_lang(client: Client, **headers: str) -> str:
    response = client.get(reverse("login"), headers=headers)
    assert response.status_code == 200
    content = response.content.decode()
    start = content.index('<html lang="') + len('<html lang="')
    return content[start : content.index('"', start)]


def test_language_default_dutch(client: Client) -> None:
    assert html_lang(client) == "nl"


def test_language_ignores_accept_language(client: Client) -> None:
    assert html_lang(client, accept_language="en") == "nl"


def test_language_switch_to_english(client: Client) -> None:
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}
    )

    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert html_lang(client, accept_language="nl") == "en"


def test_language_switch_back_to_dutch(client: Client) -> None:
    client.post(reverse("set_language"), {"language": "en"})
    client.post(reverse("set_language"), {"language": "nl"})

    assert html_lang(client, accept_language="en") == "nl"


@pytest.mark.parametrize("cookie", ["fr", "xx-yy", "../../etc", ""])
def test_language_bad_cookie_dutch(client: Client, cookie: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie

    assert html_lang(client, accept_language="en") == "nl"


def test_language_regional_cookie_english(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-gb"

    assert html_lang(client) == "en"


def test_language_response_headers(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("login"), headers={"accept-language": "nl"})

    assert response["Content-Language"] == "en"
    assert "Cookie" in response["Vary"]
    assert "Accept-Language" not in response["Vary"]


def test_language_english_page_text(client: Client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("login"))

    assert response.wsgi_request.LANGUAGE_CODE == "en"  # type: ignore[attr-defined]
