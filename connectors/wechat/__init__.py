"""WeChat Official Account (公众号) and WeCom (企业微信): the wire protocol (`protocol`), the
Rasa input channels (`channel`) and the send API for late answers and status pushes (`push`)."""
