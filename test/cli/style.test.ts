// palette() without colour does not load chalk (start-up time): PLAIN stands in for chalk at
// level 0 and must print exactly what chalk would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk, type ChalkInstance } from 'chalk';
import { PLAIN } from '../../src/cli/style.js';

test('PLAIN prints what chalk prints at level 0', () => {
  const chalk = new Chalk({ level: 0 });
  const cases: [string, (c: ChalkInstance) => unknown][] = [
    ['red', (c) => c.red('denied')],
    ['bold.yellow, two arguments', (c) => c.bold.yellow('a', 'b')],
    ['a number', (c) => c.green(5)],
    ['no argument', (c) => c.cyan()],
    ['undefined and null', (c) => [c.red(undefined), c.red(null)]],
    ['empty string', (c) => c.magenta('')],
    ['visible', (c) => [c.visible('x'), c.bold.visible('x'), c.visible.bold('x')]],
    ['colour models', (c) => [c.hex('#ff0000')('x'), c.bgRgb(1, 2, 3).bold('y'), c.ansi256(9)('z')]],
    ['multi-line', (c) => c.red('a\nb')],
    ['level', (c) => c.level],
  ];
  for (const [what, f] of cases) assert.deepEqual(f(PLAIN), f(chalk), what);
});
