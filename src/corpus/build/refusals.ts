/**
 * Refusals: short messages declining a request, sometimes with a reason and an alternative, in
 * the register chat models use. Finish reason is `stop`: the model answered, it just said no.
 */
import type { SeededRandom } from '../../timing/random.js';
import type { Composition } from './answer-builder.js';
import { chance, pick } from './choice.js';

const OPENINGS: readonly string[] = [
  "I can't help with that.",
  "I'm sorry, but I can't help with that request.",
  "I can't assist with that.",
  "Sorry, I won't be able to help with this one.",
  "I'm not able to help with that.",
  "I can't do that, but I'm happy to help with something related.",
];

/** Reason and offer share a subject, so the alternative follows from the reason. */
const CASES: readonly { readonly reason: string; readonly offer: string; readonly tag: string }[] = [
  {
    reason: 'Writing malware or code meant to get into systems without permission could cause real harm.',
    offer: 'If you are securing your own systems, I can walk you through hardening steps or how to set up a legitimate penetration test.',
    tag: 'refusal:malware',
  },
  {
    reason: 'Finding or compiling personal information about a private individual raises serious privacy and safety concerns.',
    offer: 'If you are trying to reconnect with someone, I can suggest public, consent-based ways to reach out.',
    tag: 'refusal:privacy',
  },
  {
    reason: 'Bypassing a paywall or licence check would break the terms of the service.',
    offer: 'I can point you to free or open-access alternatives, or summarise material you already have access to.',
    tag: 'refusal:circumvention',
  },
  {
    reason: 'Instructions for making weapons could put people at risk.',
    offer: "If this is for a story, I'm glad to help with the plot and characters without the technical details.",
    tag: 'refusal:weapons',
  },
  {
    reason: 'Writing fake reviews would mislead customers and violates most platforms’ rules.',
    offer: 'I can help you draft a message asking real customers for honest feedback instead.',
    tag: 'refusal:deception',
  },
  {
    reason: 'Specific dosing advice for prescription medication needs to come from a clinician who knows your history.',
    offer: 'I can explain general information about the medication or help you prepare questions for your doctor or pharmacist.',
    tag: 'refusal:medical',
  },
  {
    reason: 'Messages meant to harass or intimidate someone can cause real harm.',
    offer: 'If you are in a conflict with this person, I can help you write a firm but respectful message.',
    tag: 'refusal:harassment',
  },
];

export function composeRefusal(rng: SeededRandom): Composition {
  const c = pick(rng, CASES);
  const parts = [pick(rng, OPENINGS)];
  if (chance(rng, 0.8)) parts.push(c.reason);
  if (chance(rng, 0.7)) parts.push(c.offer);
  return { text: parts.join(' '), tags: ['refusal', c.tag] };
}
