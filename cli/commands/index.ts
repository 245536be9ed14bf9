// Command name → implementation, loaded lazily so `clef --help` or `clef list-accounts` never load the daemon,
// and a command whose module another helper has not written yet fails only when it is run.
import type { CliContext } from '../context.ts';

/** Runs one command; throws FatalError / Error / ExitError on failure (see cli/context.ts). */
export type CommandRunner = (ctx: CliContext) => Promise<void>;

/** The runner of each sub-command. */
export const COMMAND_RUNNERS: Readonly<Record<string, () => Promise<CommandRunner>>> = {
  init: async () => (await import('./init.ts')).run,
  attest: async () => (await import('./attest.ts')).run,
  setpw: async () => (await import('./setpw.ts')).run,
  delpw: async () => (await import('./setpw.ts')).runDelete,
  newaccount: async () => (await import('./newaccount.ts')).run,
  importraw: async () => (await import('./importraw.ts')).run,
  'list-accounts': async () => (await import('./lists.ts')).runAccounts,
  'list-wallets': async () => (await import('./lists.ts')).runWallets,
  addaddress: async () => (await import('./addaddress.ts')).run,
  'clique-protect': async () => (await import('./clique-protect.ts')).run,
  rules: async () => {
    const { runRulesTest, RULES_TEST_USAGE } = await import('./rules-test.ts');
    return async (ctx) => {
      // No boot warning: a dry run touches no secrets. Only `rules test` exists.
      if (ctx.args[0] !== 'test') {
        ctx.stderr(`${RULES_TEST_USAGE}\n`);
        ctx.setExitCode(1);
        return;
      }
      ctx.setExitCode(await runRulesTest(ctx.args.slice(1), { stdout: ctx.stdout, stderr: ctx.stderr }));
    };
  },
  gendoc: async () => {
    return (await import('../gendoc.ts')).runGendoc;
  },
};
