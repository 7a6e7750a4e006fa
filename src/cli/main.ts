// The CLI's entry in the bundle (scripts/bundle.mjs): bin/run.js imports dist/cli/main.js and calls
// main() for everything but `--version`. From '@oclif/core/execute', not '@oclif/core', whose main
// entry loads all of oclif.
import { execute } from '@oclif/core/execute';

/**
 * Runs oclif on process.argv. `root` is any path inside the package (oclif walks up to package.json).
 * No user or dev plugins: odoo-keys has none, and oclif would otherwise look for a package.json
 * listing some under ~/.local/share/odoo-keys at every start (and load code from there).
 */
export async function main(root: string): Promise<void> {
  // SIGUSR1 would open Node's inspector on 127.0.0.1:9229, which every local user can reach, and
  // with it this process's memory, the upstream key included (serve, exec, login hold it). A
  // listener of our own keeps Node from doing that (Node 20 has no --disable-sigusr1).
  process.on('SIGUSR1', ignoreInspectorSignal);
  await execute({ loadOptions: { root, userPlugins: false, devPlugins: false } });
}

function ignoreInspectorSignal(): void {
  process.stderr.write("odoo-keys: SIGUSR1 ignored (it would open Node's inspector to every local user)\n");
}
