import { RESOURCE_KEYS, type ResourceKey } from '@hyperpod-usage/model';

/** The `resource` URL parameter, GPU when absent or unknown. */
export const resourceParam = (value: string | null): ResourceKey => (RESOURCE_KEYS.includes(value as ResourceKey) ? (value as ResourceKey) : 'gpu');
