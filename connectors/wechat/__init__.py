"""WeChat Official Account and WeCom: the channel (`channel`) and status pushes (`push`)."""
