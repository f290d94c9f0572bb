/**
 * AWS Region billing codes: the short codes that begin usage types in the Price List and the Cost
 * and Usage Report (`USE1-Cluster:ml.p5.48xlarge` is HyperPod usage in us-east-1). Source: AWS
 * documentation, "AWS Region billing codes"
 * (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html),
 * read 2026-12. China and GovCloud Regions are not listed: their prices come from other price lists.
 */
export const REGION_BILLING_CODES: Readonly<Record<string, string>> = {
  USE1: 'us-east-1',
  USE2: 'us-east-2',
  USW1: 'us-west-1',
  USW2: 'us-west-2',
  CAN1: 'ca-central-1',
  CAN2: 'ca-west-1',
  MXC1: 'mx-central-1',
  AFS1: 'af-south-1',
  APE1: 'ap-east-1',
  APE2: 'ap-east-2',
  APN1: 'ap-northeast-1',
  APN2: 'ap-northeast-2',
  APN3: 'ap-northeast-3',
  APS1: 'ap-southeast-1',
  APS2: 'ap-southeast-2',
  APS3: 'ap-south-1',
  APS4: 'ap-southeast-3',
  APS5: 'ap-south-2',
  APS6: 'ap-southeast-4',
  APS7: 'ap-southeast-5',
  APS8: 'ap-southeast-6',
  APS9: 'ap-southeast-7',
  // Europe (Ireland) is the one Region whose code has no number.
  EU: 'eu-west-1',
  EUW2: 'eu-west-2',
  EUW3: 'eu-west-3',
  EUC1: 'eu-central-1',
  EUC2: 'eu-central-2',
  EUN1: 'eu-north-1',
  EUS1: 'eu-south-1',
  EUS2: 'eu-south-2',
  ILC1: 'il-central-1',
  MEC1: 'me-central-1',
  MES1: 'me-south-1',
  SAE1: 'sa-east-1',
};

/** The Region a billing code stands for (`USW2` → `us-west-2`), or undefined for a code not listed. */
export function regionOfBillingCode(code: string): string | undefined {
  return Object.hasOwn(REGION_BILLING_CODES, code) ? REGION_BILLING_CODES[code] : undefined;
}

/** The billing codes of a Region (`us-west-2` → `['USW2']`); none for a Region not listed. */
export function billingCodesOf(region: string): string[] {
  return Object.entries(REGION_BILLING_CODES)
    .filter(([, r]) => r === region)
    .map(([code]) => code);
}
