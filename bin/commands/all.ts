import type { Command } from '../command.ts';
import { auditArchiveCommands } from './audit-archive.ts';
import { budgetCommands } from './budgets.ts';
import { burstCommands } from './bursts.ts';
import { complianceCommands } from './compliance.ts';
import { dbCredentialCommands } from './db-credentials.ts';
import { devCommands } from './dev.ts';
import { meshCommands } from './mesh.ts';
import { meshOpsCommands } from './mesh-ops.ts';
import { clusterCommands, observeCommands } from './observe.ts';
import { rbacCommands } from './rbac.ts';
import { ruleCommands } from './rules.ts';
import { sandboxCommands } from './sandbox.ts';
import { secretCommands } from './secrets.ts';
import { serviceCommands } from './services.ts';

/** Every command, in the order `hms-sys --help` lists them. */
export const commands: Command[] = [
  ...devCommands,
  ...serviceCommands,
  ...ruleCommands,
  ...budgetCommands,
  ...burstCommands,
  ...meshCommands,
  ...meshOpsCommands,
  ...secretCommands,
  ...dbCredentialCommands,
  ...observeCommands,
  ...auditArchiveCommands,
  ...clusterCommands,
  ...rbacCommands,
  ...complianceCommands,
  ...sandboxCommands,
];
