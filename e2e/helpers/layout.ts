import { expect, type Page } from '@playwright/test';

/** What is wrong with a screen's layout, one line per problem (empty when it fits). */
export interface LayoutReport {
  /** The controls that were checked, e.g. `button "Log in"` (so a test can see the screen it meant to check). */
  controls: string[];
  problems: string[];
}

/**
 * Measures the page as it is shown now: the document must not scroll sideways, every visible control (button,
 * link, field) must lie within the viewport's width, and no two visible controls may overlap by more than 1 px
 * both ways, nor may a container cut a control off at the sides. A control's box is cut to what its scrolling or
 * clipping ancestors let show (rows scrolled out of a list are not there to overlap anything); where a modal dialog is
 * open only its controls count (the page behind it is inert).
 */
export function measureLayout(page: Page): Promise<LayoutReport> {
  return page.evaluate(() => {
    const SELECTOR = 'button, a[href], input:not([type="hidden"]), select, textarea, [role="button"], [role="link"], summary';
    const problems: string[] = [];
    const viewport = { width: window.innerWidth, height: window.innerHeight };
    const root = document.documentElement;
    if (root.scrollWidth > viewport.width) problems.push(`the page scrolls sideways: ${root.scrollWidth} px wide in a ${viewport.width} px viewport`);

    const describe = (el: Element): string => {
      const name = (el.getAttribute('aria-label') ?? el.textContent ?? el.getAttribute('placeholder') ?? el.getAttribute('name') ?? '').replace(/\s+/g, ' ').trim();
      const role = el.getAttribute('role') ?? el.tagName.toLowerCase();
      return `${role} "${name.slice(0, 40)}"`;
    };

    /** The part of `el` that can be seen: its box cut by every ancestor that clips its overflow. */
    const shownBox = (el: Element): { left: number; top: number; right: number; bottom: number } | null => {
      const rect = el.getBoundingClientRect();
      let box = { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom };
      for (let parent = el.parentElement; parent && parent !== root; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        const clipsX = style.overflowX !== 'visible';
        const clipsY = style.overflowY !== 'visible';
        if (!clipsX && !clipsY) continue;
        const clip = parent.getBoundingClientRect();
        box = {
          left: clipsX ? Math.max(box.left, clip.left) : box.left,
          right: clipsX ? Math.min(box.right, clip.right) : box.right,
          top: clipsY ? Math.max(box.top, clip.top) : box.top,
          bottom: clipsY ? Math.min(box.bottom, clip.bottom) : box.bottom,
        };
      }
      return box.bottom - box.top > 0 ? box : null;
    };

    const modal = document.querySelector('dialog:modal');
    const scope = modal ?? document;
    const controls: { el: Element; label: string; box: { left: number; top: number; right: number; bottom: number } }[] = [];
    for (const el of scope.querySelectorAll(SELECTOR)) {
      if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      if (el.closest('[inert], [aria-hidden="true"]')) continue;
      const box = shownBox(el);
      if (!box) continue;
      controls.push({ el, label: describe(el), box });
    }

    for (const { el, label, box } of controls) {
      const rect = el.getBoundingClientRect();
      if (rect.left < -0.5 || rect.right > viewport.width + 0.5) {
        problems.push(`${label} is outside the viewport's width: ${Math.round(rect.left)}–${Math.round(rect.right)} px of ${viewport.width}`);
      } else if (box.right - box.left < rect.width - 1) {
        // Scrolled-away rows are cut above and below; a control cut at the sides is squeezed out of its box.
        problems.push(`${label} is cut off at the sides by its container: ${Math.round(Math.max(0, box.right - box.left))} of ${Math.round(rect.width)} px shown`);
      }
    }
    for (const [i, a] of controls.entries()) {
      for (const b of controls.slice(i + 1)) {
        // A control inside another (a button inside a summary) is one control, not two on top of each other.
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const width = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        const height = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        if (width > 1 && height > 1) problems.push(`${a.label} and ${b.label} overlap by ${Math.round(width)}×${Math.round(height)} px`);
      }
    }
    return { controls: controls.map((c) => c.label), problems };
  });
}

/** Asserts the screen fits (see `measureLayout`) and shows at least `minControls` controls; returns what was checked. */
export async function expectFits(page: Page, screen: string, minControls = 1): Promise<LayoutReport> {
  const report = await measureLayout(page);
  expect(report.problems, `${screen}: layout problems`).toEqual([]);
  expect(report.controls.length, `${screen}: controls checked (${report.controls.join(', ')})`).toBeGreaterThanOrEqual(minControls);
  return report;
}
