"""Scripts and styles for the chat page's HTML components."""

# Scripts for gr.HTML(js_on_load=...). They run once per component; clicks are
# caught by delegation on the component's root, so re-rendered HTML needs no
# re-binding. `trigger` sends the data to the server as gr.EventData.
# A Copy button copies its own data-copy attribute: the text never passes
# through a script built from content. navigator.clipboard exists only on
# https and localhost pages; elsewhere a selected, off-screen textarea is copied.
CITE_CLICK_JS = """
const copyText = (text) => {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  return new Promise((resolve, reject) => {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.left = '-9999px';
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    done ? resolve() : reject(new Error('copy refused'));
  });
};
element.addEventListener('click', (event) => {
  const button = event.target.closest('button.copy');
  if (button && element.contains(button)) {
    event.preventDefault();
    copyText(button.dataset.copy || '').then(
      () => { button.textContent = 'Copied'; button.dataset.copied = 'yes'; },
      () => { button.textContent = 'Copy failed'; button.dataset.copied = 'no'; },
    );
    setTimeout(() => { button.textContent = 'Copy'; }, 2000);
    return;
  }
  const a = event.target.closest('a.cite');
  if (!a || !element.contains(a)) return;
  event.preventDefault();
  trigger('click', {turn: Number(a.dataset.turn), n: Number(a.dataset.n)});
});
"""

REVEAL_QUOTE_JS = """
const reveal = () => {
  const mark = element.querySelector('mark.quote');
  if (!mark) return;
  // Scroll the viewer's own box, not the page, so the chat stays where it was.
  let box = mark.parentElement;
  while (box && box !== document.body) {
    const overflow = getComputedStyle(box).overflowY;
    if ((overflow === 'auto' || overflow === 'scroll') && box.scrollHeight > box.clientHeight) break;
    box = box.parentElement;
  }
  if (!box || box === document.body) {
    mark.scrollIntoView({block: 'center'});
    return;
  }
  const top = mark.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  box.scrollTo({top: Math.max(0, top - box.clientHeight / 3)});
};
watch('value', reveal);
reveal();
"""

# CSS for gr.HTML(css_template=...), scoped to the component by Gradio. These
# strings pass through a JS template literal: no dollar-brace, backtick or backslash.
CHAT_CSS = """
text-align: left;
.empty { color: var(--body-text-color-subdued); padding: 1em 0; }
.turn { margin: 0 0 1.2em 0; }
.q { font-weight: 600; margin-bottom: .35em; }
.label { font-variant: small-caps; color: var(--body-text-color-subdued); font-weight: 600; }
.who { color: var(--body-text-color-subdued); font-weight: 400; margin-right: .4em; }
.a { border-left: 3px solid var(--color-accent); padding: .4em .8em; border-radius: 4px; background: var(--background-fill-secondary); }
.a.streaming { border-left-color: var(--border-color-primary); color: var(--body-text-color-subdued); }
.looking { margin-top: .4em; font-size: .9em; }
.looking-head { font-weight: 600; }
.looking ul { margin: .2em 0 0 1.1em; padding: 0; }
.looking .src { opacity: .7; font-size: .9em; }
.a.abstained { border-left-color: #d97706; background: rgba(217, 119, 6, .08); }
.a.error { border-left-color: #dc2626; background: rgba(220, 38, 38, .08); }
.abstain-label { font-weight: 600; color: #b45309; }
.reason { font-size: .9em; color: var(--body-text-color-subdued); margin: .2em 0 0 0; }
.answer-text { margin: 0; }
a.cite { position: relative; text-decoration: none; font-weight: 600; color: var(--color-accent); cursor: pointer; padding: 0 1px; }
a.cite:hover, a.cite:focus { text-decoration: underline; }
a.cite:hover::after, a.cite:focus::after {
  content: attr(data-quote); pointer-events: none; text-align: left; position: absolute; left: 0; top: 1.5em; z-index: 20; width: 22em;
  padding: .5em .7em; border-radius: 6px; font-weight: 400; font-size: .9em; white-space: normal;
  background: var(--background-fill-primary); color: var(--body-text-color);
  border: 1px solid var(--border-color-primary); box-shadow: 0 4px 12px rgba(0, 0, 0, .15);
}
.removed { font-size: .9em; margin-top: .4em; color: var(--body-text-color-subdued); }
.removed del { color: var(--body-text-color-subdued); }
.meta { font-size: .8em; color: var(--body-text-color-subdued); margin-top: .4em; display: inline-block; }
a.cite.changed, a.cite.removed { color: #b45309; text-decoration: underline dotted; }
button.copy { font-size: .75em; margin-left: .6em; padding: 0 .5em; border: 1px solid var(--border-color-primary); border-radius: 4px; background: var(--background-fill-primary); color: var(--body-text-color); cursor: pointer; }
button.copy:hover { background: var(--background-fill-secondary); }
"""

SOURCES_CSS = """
text-align: left;
.empty { color: var(--body-text-color-subdued); }
h3 { margin: 0 0 .5em 0; font-size: 1em; }
.source { margin-bottom: .8em; }
.source-title { font-weight: 600; }
.source-file { font-size: .8em; color: var(--body-text-color-subdued); font-family: var(--font-mono); }
ul { margin: .3em 0 0 0; padding-left: 0; list-style: none; }
li { margin: .25em 0; }
a.cite { display: block; text-align: left; text-decoration: none; color: var(--body-text-color); cursor: pointer; padding: .2em .4em; border-radius: 4px; }
a.cite:hover, a.cite.active { background: var(--background-fill-secondary); }
a.cite b { color: var(--color-accent); }
a.cite.changed b, a.cite.removed b { color: #b45309; }
a.cite.changed, a.cite.removed { font-style: italic; }
"""

ARTICLE_CSS = """
text-align: left;
.empty { color: var(--body-text-color-subdued); }
.article-head { margin-bottom: .5em; }
.file { font-size: .8em; color: var(--body-text-color-subdued); font-family: var(--font-mono); }
.note { font-size: .9em; color: #b45309; }
.was { margin: .4em 0 .8em 0; padding: .3em .8em; border-left: 3px solid #d97706; background: rgba(217, 119, 6, .08); }
.article-text { white-space: pre-wrap; line-height: 1.5; }
mark.quote { background: #fde68a; color: #1f2937; padding: 1px 0; border-radius: 2px; }
"""
