"""The kiosk's screen in real headless Chromium (Debian's /usr/bin/chromium driven through
/usr/bin/chromedriver by Selenium; nothing is downloaded), with a session driven by audio on
the real PulseAudio loop: the page shows the question and a hold's countdown, and a click on a
button answers the question."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.harness import KioskRunner, kiosk_settings, speak
from tests.pulse import PulseServer
from voiceskill.kiosk.screen import Screen
from voiceskill.transcript import read_transcript

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (extra kiosk-test)")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

pytestmark = pytest.mark.audio

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,1000",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.skip(f"{path} is missing (apt packages chromium and chromium-driver)")
    profile = tempfile.mkdtemp(prefix="voiceskill-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Wait for the page (it is updated by server-sent events) to show something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)  # the browser is a separate process: checking its DOM is all we can do
    raise AssertionError(f"the page never showed {what}")


def text(driver: Any, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def test_page_follows_an_audio_session_and_a_click_answers(
    pulse: PulseServer, model: Any, voice_dir: Path, tmp_path: Path, browser: Any
) -> None:
    screen = Screen(on_press=lambda intent: None, port=0)
    kiosk = KioskRunner(kiosk_settings(tmp_path), model, screen)
    screen.on_press = kiosk.service.hub.press
    url = screen.start()
    assert url.startswith("http://127.0.0.1:")
    kiosk.start()
    try:
        browser.get(url)
        kiosk.wait_listen("hey coach")
        wait_for(lambda: text(browser, "status") == "Waiting", "the waiting status")

        # 1. Spoken wake phrase; the first red-flag question appears; a click on Yes answers.
        speak(pulse, voice_dir, "hey coach")
        kiosk.wait_listen("yes")
        question = kiosk.said[-1]
        wait_for(lambda: text(browser, "prompt") == question, f"the question {question!r}")
        yes = browser.find_element(By.ID, "button-yes")
        assert yes.is_enabled() and yes.is_displayed()
        yes.click()
        outcome, path = kiosk.wait_end()
        assert outcome == "emergency"
        assert path is not None
        events = read_transcript(path)
        heard = [e for e in events if e["type"] == "heard"]
        assert heard == [{**heard[0], "text": "yes", "intent": "yes", "confidence": 1.0}]
        advice = [e["text"] for e in events if e["type"] == "say"][-1]
        assert any("call 911" in e["text"] for e in events if e["type"] == "say")
        wait_for(lambda: text(browser, "prompt") == advice, "the last advice")

        # 2. A session that starts with an exercise: the hold's countdown is shown. It knows no
        # phase, so only a first-days exercise may start it (bird-dog would be refused).
        kiosk.service.session_start = "walk"
        kiosk.wait_listen("hey coach")
        speak(pulse, voice_dir, "hey coach")
        wait_for(lambda: browser.find_element(By.ID, "countdown").is_displayed(), "a countdown")
        assert text(browser, "countdown-label") == "walk"
        seconds = int(text(browser, "countdown-seconds"))
        assert 290 <= seconds <= 300
        stop = browser.find_element(By.ID, "button-stop")
        wait_for(stop.is_enabled, "an enabled Stop button")
        stop.click()
        outcome, path = kiosk.wait_end()
        assert outcome == "stopped"
        assert path is not None
        assert any(e["type"] == "heard" and e["intent"] == "stop" and e["confidence"] == 1.0
                   for e in read_transcript(path))
    finally:
        kiosk.stop()
        screen.stop()
