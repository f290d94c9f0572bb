/**
 * EKS Pod Identity: binds the collector's and the aggregation's service accounts to their roles,
 * and optionally installs the agent add-on that hands out the credentials.
 */
import { getAtt, ref } from '../intrinsics.js';
import type { Resource } from '../types.js';
import { CONDITION, PARAM, RESOURCE } from './names.js';

function association(serviceAccountParameter: string, roleLogicalId: string): Resource {
  return {
    Type: 'AWS::EKS::PodIdentityAssociation',
    Properties: {
      ClusterName: ref(PARAM.eksClusterName),
      Namespace: ref(PARAM.collectorNamespace),
      ServiceAccount: ref(serviceAccountParameter),
      RoleArn: getAtt(roleLogicalId, 'Arn'),
    },
  };
}

export const collectorPodIdentity = association(PARAM.collectorServiceAccount, RESOURCE.collectorRole);
export const aggregatorPodIdentity = association(PARAM.aggregatorServiceAccount, RESOURCE.aggregationRole);

export const podIdentityAgent: Resource = {
  Type: 'AWS::EKS::Addon',
  Condition: CONDITION.installPodIdentityAgent,
  Properties: {
    ClusterName: ref(PARAM.eksClusterName),
    AddonName: 'eks-pod-identity-agent',
    // Other workloads may come to rely on the agent: deleting this stack leaves it running.
    PreserveOnDelete: true,
  },
};
