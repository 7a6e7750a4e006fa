// `odoo-keys audit verify`: checks every hash chain of the journal; exit 3 when one is broken.
import { Flags } from '../../src/cli/oclif.js';
import { BaseCommand } from '../../src/cli/base.js';
import { EXIT, usageError } from '../../src/cli/errors.js';
import { palette } from '../../src/cli/style.js';
import { journalDirs } from '../../src/audit/dirs.js';
import { parseExpectedHead, verifyJournal, type ExpectedHead } from '../../src/audit/verify.js';
import { renderVerify } from '../../src/audit/render.js';

export default class AuditVerify extends BaseCommand {
  static override summary = "Check the journal's hash chains: exit 0 when intact, 3 when a line was changed, removed, inserted or reordered, or the journal is gone";
  static override examples = [
    '<%= config.bin %> audit verify',
    '<%= config.bin %> audit verify --journal /srv/odoo-keys/journal --json',
    '<%= config.bin %> audit verify --expect-head 4812:5891b5b5...   # the head line an earlier verify printed, kept elsewhere',
  ];

  static override flags = {
    journal: Flags.string({ description: 'journal folder (repeatable); default: <state home>/journal', multiple: true }),
    'allow-empty': Flags.boolean({ description: 'a folder with no journal file (or no default folder at all) is not a problem: no proxy has written yet' }),
    'expect-head': Flags.string({
      description: "a chain's last entry as an earlier verify printed it ([<replica>:]<seq>:<hash>), kept away from the journal folder: the chain must still hold it (repeatable)",
      multiple: true,
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(AuditVerify);
    const expectHeads: ExpectedHead[] = [];
    for (const text of flags['expect-head'] ?? []) {
      const x = parseExpectedHead(text);
      if (!x) throw usageError(`--expect-head: '${text}' is not [<replica>:]<seq>:<hash> (as audit verify prints it after "head")`, 'usage');
      expectHeads.push(x);
    }
    const { dirs, missingDefault } = await journalDirs(flags.journal);
    if (missingDefault && flags['allow-empty']) this.logToStderr(`odoo-keys: no journal yet at ${missingDefault}`);
    // A missing default folder is checked like an empty one: a journal wiped with its folder must not pass.
    const result = await verifyJournal(missingDefault ? [...dirs, missingDefault] : dirs, { allowEmpty: flags['allow-empty'], expectHeads });
    if (!this.jsonEnabled()) this.log(renderVerify(result, palette(process.stdout)));
    // Exit 3 without throwing, so --json still prints the full result.
    if (!result.ok) process.exitCode = EXIT.DENIED;
    return { ...result, journal: dirs };
  }
}
