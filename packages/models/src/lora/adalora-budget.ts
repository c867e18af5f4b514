import { ModelOptionError } from '../errors.js';

/** The cubic budget schedule of AdaLoRA, in optimizer steps. */
export interface AdaLoraSchedule {
  /** b⁽⁰⁾: total triplets at the start (initial rank × layers). */
  initialBudget: number;
  /** b⁽ᵀ⁾: total triplets at the end (target rank × layers). */
  targetBudget: number;
  /** T: steps of the whole run. */
  totalSteps: number;
  /** t_i: steps at the full budget before pruning starts. */
  warmupSteps: number;
  /** t_f: steps at the target budget at the end. */
  finalSteps: number;
}

/**
 * The total number of triplets kept at step t (Zhang et al. 2023, eq. 12):
 *
 *   b(t) = b⁽⁰⁾                                              for t < t_i
 *        = b⁽ᵀ⁾ + (b⁽⁰⁾ − b⁽ᵀ⁾) · (1 − (t − t_i) / (T − t_i − t_f))³   for t_i ≤ t < T − t_f
 *        = b⁽ᵀ⁾                                              afterwards
 *
 * rounded down to an integer (never below b⁽ᵀ⁾).
 */
export function adaLoraBudget(step: number, schedule: AdaLoraSchedule): number {
  const { initialBudget, targetBudget, totalSteps, warmupSteps, finalSteps } = schedule;
  if (!(Number.isInteger(targetBudget) && targetBudget >= 0 && Number.isInteger(initialBudget) && initialBudget >= targetBudget)) {
    throw new ModelOptionError(`AdaLoRA needs integer budgets with 0 ≤ target ≤ initial, got target ${targetBudget} and initial ${initialBudget}: lower the target rank or raise the initial rank`);
  }
  const pruning = totalSteps - warmupSteps - finalSteps;
  if (step < warmupSteps) return initialBudget;
  if (pruning <= 0 || step >= totalSteps - finalSteps) return targetBudget;
  const progress = (step - warmupSteps) / pruning;
  return Math.max(targetBudget, Math.floor(targetBudget + (initialBudget - targetBudget) * (1 - progress) ** 3));
}

/**
 * Keeps the `budget` triplets of highest importance across all layers and returns one 0/1 mask per
 * layer (`scores[layer][triplet]`). Ties go to the earlier layer and triplet, so the result is
 * deterministic.
 */
export function selectTriplets(scores: readonly (readonly number[])[], budget: number): number[][] {
  const all = scores.flatMap((layer, layerIndex) => layer.map((score, triplet) => ({ score, layerIndex, triplet })));
  all.sort((a, b) => b.score - a.score || a.layerIndex - b.layerIndex || a.triplet - b.triplet);
  const masks = scores.map((layer) => layer.map(() => 0));
  for (const { layerIndex, triplet } of all.slice(0, Math.max(0, budget))) masks[layerIndex]![triplet] = 1;
  return masks;
}
