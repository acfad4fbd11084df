"""The browser chat UI (Gradio): `app` builds and serves it, `render` writes its HTML, `assets` holds its scripts and styles,
`api` adds its API endpoints, `saved` keeps the conversation list over qa.history, `login` says whose
conversations they are.

It talks only to a `qa.conversation.Conversation`, the `qa.history.History` and the `qa.library.Library`.
"""
