// Progressive enhancement only: every page works without this file.
import { initAll } from './vendor/nhsuk-frontend.min.js';
import { initSteppers } from './stepper.js';
import { initOpinionShortcuts } from './reading.js';

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');

// nhsuk-frontend marks radios that reveal content with aria-expanded, which radios do not
// support (axe: aria-allowed-attr). The reveal and aria-controls stay; the attribute goes.
const radiosWithoutExpanded = (records) => {
  for (const { target } of records) {
    if (target.matches('input[type="radio"][aria-expanded]')) target.removeAttribute('aria-expanded');
  }
};
new MutationObserver(radiosWithoutExpanded).observe(document.body, {
  attributes: true,
  attributeFilter: ['aria-expanded'],
  subtree: true,
});

initAll();
initSteppers();
initOpinionShortcuts();
