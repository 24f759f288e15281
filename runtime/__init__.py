"""The running assistant: one launcher for Rasa, the action server and the web app, the
settings they read from the environment, and the patches and stores behind Rasa."""
