"""The browser chat UI (Gradio): `app` builds and serves it, `render` writes its HTML, `assets` holds its scripts and styles.

It talks only to a `qa.conversation.Conversation` and the `qa.library.Library`.
"""
