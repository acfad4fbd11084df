"""Notifications (Gradio's toasts and error modals) whose message is shown as text.

Gradio renders a notification's message as HTML, and the UI's messages quote
what users and documents supply: file names, links, exception text. Every
gr.Warning, gr.Info and gr.Error of the UI goes through here, so markup in a
message is shown, never run (tests/test_ui_markup.py checks that no other
module calls them).

>>> notice_text('<img src=x onerror="alert(1)"> & co')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.ui.render import esc

if TYPE_CHECKING:
    import gradio as gr


def notice_text(message: object) -> str:
    """`message` as HTML that displays exactly its characters (Gradio's notifications take HTML)."""
    return esc(message)


def warn(message: object) -> None:
    """Show a yellow toast with `message` as text."""
    import gradio as gr

    gr.Warning(notice_text(message))


def info(message: object) -> None:
    """Show a grey toast with `message` as text."""
    import gradio as gr

    gr.Info(notice_text(message))


def error(message: object) -> "gr.Error":
    """A gr.Error with `message` as text, to raise: `raise notify.error(msg) from None`."""
    import gradio as gr

    return gr.Error(notice_text(message))
