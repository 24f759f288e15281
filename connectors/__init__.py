"""How people reach the assistant: one module per channel (REST for the widget and any
client, WeChat and WeCom), each turning its protocol into Rasa messages and back."""
