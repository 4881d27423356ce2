"""What the browser tests check on every page at phone size: touch boxes and overflow.

A control is every visible link, button, input, select, textarea and summary. Its touch
box is its border box (content and padding, as the page lays it out); a checkbox or a
radio is tapped through its label (tapping the label toggles it), so the label's box
counts for it. Nothing is exempt: inline links in running text carry `.tap` too.
"""

from __future__ import annotations

from typing import Any

TAP = 44  # px: WCAG 2.5.5 (target size), Apple's and Android's guidelines

_MEASURE = """(tap) => {
  const small = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    let box = el.getBoundingClientRect();
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      box = el.labels[0].getBoundingClientRect();
    }
    if (box.width < tap || box.height < tap) {
      const text = (el.innerText || el.value || el.name || el.id || '').trim().slice(0, 30);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      small.push(`${el.tagName.toLowerCase()} "${text}" ${size}`);
    }
  }
  return small;
}"""


def too_small(page: Any) -> list[str]:
    """The visible controls on the page whose touch box is under 44×44 px."""
    return page.evaluate(_MEASURE, TAP)


def overflow(page: Any) -> int:
    """How far the page scrolls sideways (0: it fits the viewport's width)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def phone_problems(page: Any, label: str) -> list[str]:
    """Tap targets and overflow at the page's width, then again at 360 px (the narrowest
    phone we serve), without reloading: the page's own layout at both widths."""
    problems = [f"{label}: {c}" for c in too_small(page)]
    if overflow(page) > 0:
        problems.append(f"{label}: scrolls sideways by {overflow(page)} px")
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": size["height"]})
    try:
        problems += [f"{label} @360: {c}" for c in too_small(page)]
        if overflow(page) > 0:
            problems.append(f"{label} @360: scrolls sideways by {overflow(page)} px")
    finally:
        page.set_viewport_size(size)
    return problems
