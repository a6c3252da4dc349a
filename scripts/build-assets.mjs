// Copies the pinned NHS design system build (package-lock.json) into the web crate's
// static directory, where the binary serves it from /static/vendor.
import { cpSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'node_modules', 'nhsuk-frontend', 'dist', 'nhsuk');
const out = join(root, 'crates', 'web', 'static', 'vendor');

if (!existsSync(dist)) {
  console.error('nhsuk-frontend is not installed: run `npm ci` first');
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const file of ['nhsuk-frontend.min.css', 'nhsuk-frontend.min.css.map', 'nhsuk-frontend.min.js', 'nhsuk-frontend.min.js.map']) {
  cpSync(join(dist, file), join(out, file));
}
cpSync(join(dist, 'assets'), join(out, 'assets'), { recursive: true });
console.log(`NHS design system assets copied to ${out}`);
