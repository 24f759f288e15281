"""Late answers for WeChat: the customer-service message APIs of the Official Account and WeCom.

WeChat waits five seconds for a passive reply. An answer that takes longer is acknowledged
with "success" and delivered afterwards through the platform's send API, which needs an
access token fetched with the app secret. Both platforms speak the same shape (get a token,
POST JSON with `?access_token=`), so one small client covers both; the base URL is a
setting so that tests can point it at a local fake server.

Nothing here logs message text or user ids: WeChat's error codes are enough to act on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

OFFICIAL_ACCOUNT_API = "https://api.weixin.qq.com"
WECOM_API = "https://qyapi.weixin.qq.com"

# errcodes that mean "fetch a new token and try once more": invalid, expired, not latest.
_STALE_TOKEN = {40001, 40014, 42001}
# Refresh a little before WeChat's expiry so a token never dies mid-request.
_TOKEN_MARGIN = 300.0
_TIMEOUT = aiohttp.ClientTimeout(total=10)


@dataclass
class SendAPI:
    """One platform's token endpoint and text-message endpoint; `send_text` is all callers use."""

    base: str
    token_path: str
    token_params: dict[str, str] = field(repr=False)  # holds the app secret
    send_path: str
    extra_body: dict[str, Any] = field(default_factory=dict)
    _token: str = field(default="", init=False, repr=False)
    _expires: float = field(default=0.0, init=False, repr=False)
    _lock: asyncio.Lock | None = field(default=None, init=False, repr=False)

    async def send_text(self, user: str, text: str) -> bool:
        """Deliver one text message; False (and a log line) when WeChat refuses it."""
        body = {"touser": user, "msgtype": "text", "text": {"content": text}, **self.extra_body}
        try:
            async with aiohttp.ClientSession(timeout=_TIMEOUT) as session:
                for attempt in (1, 2):
                    token = await self._access_token(session, refresh=attempt == 2)
                    result = await self._post(session, token, body)
                    code = int(result.get("errcode", 0))
                    if code == 0:
                        return True
                    if code not in _STALE_TOKEN:
                        break
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning("WeChat send API unreachable: %s", type(error).__name__)
            return False
        logger.warning("WeChat send API refused a message: errcode %s", code)
        return False

    async def _post(self, session: aiohttp.ClientSession, token: str,
                    body: dict[str, Any]) -> dict[str, Any]:
        url = self.base.rstrip("/") + self.send_path
        async with session.post(url, params={"access_token": token}, json=body) as resp:
            return await resp.json(content_type=None)

    async def _access_token(self, session: aiohttp.ClientSession, refresh: bool) -> str:
        """The cached token, fetched again when stale; one fetch at a time per app."""
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if refresh or not self._token or time.monotonic() >= self._expires:
                url = self.base.rstrip("/") + self.token_path
                async with session.get(url, params=self.token_params) as resp:
                    data = await resp.json(content_type=None)
                if "access_token" not in data:
                    raise ValueError(f"no access token (errcode {data.get('errcode')})")
                self._token = str(data["access_token"])
                lifetime = float(data.get("expires_in", 7200))
                self._expires = time.monotonic() + max(lifetime - _TOKEN_MARGIN, 60.0)
            return self._token


def official_account_api(app_id: str, app_secret: str, base: str | None = None) -> SendAPI:
    """The Official Account's customer-service API (客服消息), open 48 h after a user writes."""
    return SendAPI(base=base or OFFICIAL_ACCOUNT_API, token_path="/cgi-bin/token",
                   token_params={"grant_type": "client_credential", "appid": app_id,
                                 "secret": app_secret},
                   send_path="/cgi-bin/message/custom/send")


def wecom_api(corp_id: str, secret: str, agent_id: str, base: str | None = None) -> SendAPI:
    """WeCom's application message API (发送应用消息); it needs the agent id in the body."""
    return SendAPI(base=base or WECOM_API, token_path="/cgi-bin/gettoken",
                   token_params={"corpid": corp_id, "corpsecret": secret},
                   send_path="/cgi-bin/message/send",
                   extra_body={"agentid": int(agent_id) if agent_id.isdigit() else agent_id})
