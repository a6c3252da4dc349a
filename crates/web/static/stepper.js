// Stepper: progressively enhances a numeric text input (`[data-module="app-stepper"]`
// around an input) with minus and plus buttons, and keeps a live "Images taken: N" total
// (`[data-stepper-total]`, aria-live) up to date for the inputs of the same form. Without
// JavaScript the plain inputs work and the total stays hidden.

function bounds(input) {
  const min = Number.parseInt(input.dataset.stepperMin ?? '0', 10);
  const max = Number.parseInt(input.dataset.stepperMax ?? '9', 10);
  return { min, max };
}

// The whole number typed, or null if it is not one.
function read(input) {
  const value = input.value.trim();
  if (value === '') return 0;
  return /^\d+$/.test(value) ? Number.parseInt(value, 10) : null;
}

function button(symbol, text, controls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'nhsuk-button nhsuk-button--secondary nhsuk-button--small app-stepper__button';
  b.setAttribute('aria-controls', controls);
  const shown = document.createElement('span');
  shown.setAttribute('aria-hidden', 'true');
  shown.textContent = symbol;
  const hidden = document.createElement('span');
  hidden.className = 'nhsuk-u-visually-hidden';
  hidden.textContent = text;
  b.append(shown, hidden);
  return b;
}

function initStepper(wrapper) {
  const input = wrapper.querySelector('input');
  if (!input || wrapper.dataset.stepperReady) return;
  wrapper.dataset.stepperReady = 'true';
  const { min, max } = bounds(input);
  const label = input.dataset.stepperLabel || 'image';
  const minus = button('−', `Remove one ${label} image`, input.id);
  const plus = button('+', `Add one ${label} image`, input.id);
  const step = (by) => {
    const current = read(input);
    const next = Math.min(max, Math.max(min, (current ?? min) + by));
    if (String(next) !== input.value) {
      input.value = String(next);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }
  };
  minus.addEventListener('click', () => step(-1));
  plus.addEventListener('click', () => step(1));
  input.before(minus);
  input.after(plus);
  wrapper.classList.add('app-stepper--enhanced');
}

function initTotal(total) {
  const form = total.closest('form');
  const value = total.querySelector('[data-stepper-total-value]');
  if (!form || !value || total.dataset.stepperReady) return;
  total.dataset.stepperReady = 'true';
  const inputs = () => form.querySelectorAll('[data-module="app-stepper"] input');
  const update = () => {
    let sum = 0;
    for (const input of inputs()) {
      const n = read(input);
      if (n !== null) sum += n;
    }
    if (value.textContent !== String(sum)) value.textContent = String(sum);
  };
  form.addEventListener('input', update);
  update();
  total.hidden = false;
}

export function initSteppers(root = document) {
  root.querySelectorAll('[data-module="app-stepper"]').forEach(initStepper);
  root.querySelectorAll('[data-stepper-total]').forEach(initTotal);
}
