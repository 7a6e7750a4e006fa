// `odoo-keys audit verify`: checks every hash chain of the journal; exit 3 when one is broken.
import { Flags } from '../../src/cli/oclif.js';
import { BaseCommand } from '../../src/cli/base.js';
import { EXIT } from '../../src/cli/errors.js';
import { palette } from '../../src/cli/style.js';
import { journalDirs } from '../../src/audit/dirs.js';
import { verifyJournal } from '../../src/audit/verify.js';
import { renderVerify } from '../../src/audit/render.js';

export default class AuditVerify extends BaseCommand {
  static override summary = "Check the journal's hash chains: exit 0 when intact, 3 when a line was changed, removed, inserted or reordered";
  static override examples = ['<%= config.bin %> audit verify', '<%= config.bin %> audit verify --journal /srv/odoo-keys/journal --json'];

  static override flags = {
    journal: Flags.string({ description: 'journal folder (repeatable); default: <state home>/journal', multiple: true }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(AuditVerify);
    const { dirs, missingDefault } = await journalDirs(flags.journal);
    if (missingDefault) this.logToStderr(`odoo-keys: no journal yet at ${missingDefault}`);
    const result = await verifyJournal(dirs);
    if (!this.jsonEnabled()) this.log(renderVerify(result, palette(process.stdout)));
    // Exit 3 without throwing, so --json still prints the full result.
    if (!result.ok) process.exitCode = EXIT.DENIED;
    return { ...result, journal: dirs };
  }
}
