import type { AclEntry, AclFilter, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import type { KafkaAclBinding } from '@gridgov/contracts';
import { kafkajsOf, type KafkaClient } from './client.ts';

// kafkajs' enums, by value: its CommonJS index hides them from ESM named imports (as ConfigResourceTypes in admin.ts).
const RESOURCE = { topic: 2 as AclResourceTypes, group: 3 as AclResourceTypes };
const PATTERN = { literal: 3 as ResourcePatternTypes, prefixed: 4 as ResourcePatternTypes };
const OPERATION = {
  Read: 3 as AclOperationTypes,
  Write: 4 as AclOperationTypes,
  Delete: 6 as AclOperationTypes,
  Describe: 8 as AclOperationTypes,
  DescribeConfigs: 10 as AclOperationTypes,
};
const ALLOW = 3 as AclPermissionTypes;

function entryOf(binding: KafkaAclBinding): AclEntry {
  return {
    principal: binding.principal,
    host: '*',
    operation: OPERATION[binding.operation],
    permissionType: ALLOW,
    resourceType: RESOURCE[binding.resourceType],
    resourceName: binding.resourceName,
    resourcePatternType: PATTERN[binding.patternType],
  };
}

/**
 * Creates these ALLOW ACLs on the broker (creating one that exists is a no-op). `kafka` must log in as a principal
 * allowed to alter the cluster's ACLs (the admin, a super user). ADR 0017.
 */
export async function grantAcls(kafka: KafkaClient, bindings: readonly KafkaAclBinding[]): Promise<void> {
  if (bindings.length === 0) return;
  const admin = kafkajsOf(kafka).admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: bindings.map(entryOf) });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes exactly these ACLs (a test's stack, when it is done). */
export async function revokeAcls(kafka: KafkaClient, bindings: readonly KafkaAclBinding[]): Promise<void> {
  if (bindings.length === 0) return;
  const admin = kafkajsOf(kafka).admin();
  await admin.connect();
  try {
    await admin.deleteAcls({ filters: bindings.map((b): AclFilter => entryOf(b)) });
  } finally {
    await admin.disconnect();
  }
}
