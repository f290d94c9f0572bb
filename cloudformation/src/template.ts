/**
 * The AWS side of HyperPod Usage for Grafana as one CloudFormation template, built from the usage
 * model so the Glue tables always carry the model's columns.
 */
import { workGroup } from './parts/athena.js';
import { database, tables } from './parts/catalog.js';
import { aggregationRole, collectorRole, grafanaReaderPolicy } from './parts/iam.js';
import { RESOURCE } from './parts/names.js';
import { outputs } from './parts/outputs.js';
import { conditions, parameterInterface, parameters } from './parts/parameters.js';
import { aggregatorPodIdentity, collectorPodIdentity, podIdentityAgent } from './parts/pod-identity.js';
import { bucket, bucketPolicy } from './parts/storage.js';
import type { Template } from './types.js';

export type { Template } from './types.js';

/** A fresh template each call: callers (tests above all) may change it freely. */
export function buildTemplate(): Template {
  return structuredClone({
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'HyperPod Usage for Grafana: usage bucket, Glue tables with partition projection, Athena workgroup, and IAM for the collector, the aggregation and Grafana readers.',
    Metadata: { 'AWS::CloudFormation::Interface': parameterInterface },
    Parameters: parameters,
    Conditions: conditions,
    Resources: {
      [RESOURCE.bucket]: bucket,
      [RESOURCE.bucketPolicy]: bucketPolicy,
      [RESOURCE.database]: database,
      ...tables,
      [RESOURCE.workGroup]: workGroup,
      [RESOURCE.collectorRole]: collectorRole,
      [RESOURCE.aggregationRole]: aggregationRole,
      [RESOURCE.grafanaReaderPolicy]: grafanaReaderPolicy,
      [RESOURCE.collectorPodIdentity]: collectorPodIdentity,
      [RESOURCE.aggregatorPodIdentity]: aggregatorPodIdentity,
      [RESOURCE.podIdentityAgent]: podIdentityAgent,
    },
    Outputs: outputs,
  } satisfies Template);
}
