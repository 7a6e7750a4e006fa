// `odoo-keys help [COMMAND]`: @oclif/plugin-help's own command, served as one of ours. Listed as
// an oclif plugin it made every start find, read and merge a second package (its package.json and
// manifest), help or not; as a command it is imported only when help is asked for.
import { commands } from '@oclif/plugin-help';

export default commands.help;
