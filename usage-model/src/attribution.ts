/**
 * Attribution rules that both the live metrics (collector) and the rollups (SQL) follow.
 * The SQL generator implements the same rules; docs/attribution.md has worked examples.
 */

export interface CohortMember {
  /** Nominal quota of the team (one flavor, one resource). */
  nominal: number;
  /** Quota in use by the team's admitted workloads, including what it borrowed. */
  usage: number;
  /** Most it may lend; null when unlimited. */
  lendingLimit: number | null;
}

/**
 * Lent quota: the part of each team's unused nominal quota that other teams of its cohort use.
 *
 * Borrowed capacity is not tagged with the team it came from, so the cohort's total borrowing is
 * spread over the teams that have quota to spare, in proportion to what each can lend (unused
 * nominal quota, capped by its lending limit). A team never lends more than it can spare.
 */
export function apportionLent(members: readonly CohortMember[], borrowedInCohort: number): number[] {
  const lendable = members.map((m) => {
    const unused = Math.max(0, m.nominal - m.usage);
    return m.lendingLimit === null ? unused : Math.min(unused, Math.max(0, m.lendingLimit));
  });
  const totalLendable = lendable.reduce((a, b) => a + b, 0);
  if (totalLendable <= 0 || borrowedInCohort <= 0) return members.map(() => 0);
  const share = Math.min(1, borrowedInCohort / totalLendable);
  return lendable.map((l) => l * share);
}

/** Own-quota and borrowed parts of a team's usage: up to the nominal quota it is its own. */
export function splitOwnBorrowed(usage: number, nominal: number): { own: number; borrowed: number } {
  const own = Math.min(Math.max(usage, 0), Math.max(nominal, 0));
  return { own, borrowed: Math.max(usage, 0) - own };
}
