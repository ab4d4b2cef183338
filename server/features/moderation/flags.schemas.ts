import { Type } from 'typebox';

/** The reasons a member may give for a flag (the database checks the same list). */
export const FLAG_REASONS = ['spam', 'abuse', 'off_topic', 'staff', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

export const FlagParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
export const FlagBody = Type.Object({
  reason: Type.Union(FLAG_REASONS.map((r) => Type.Literal(r))),
  note: Type.Optional(Type.String({ maxLength: 500 })),
});

/** The review queue (served under /mod). */
export const QUEUE_DECISIONS = ['agree', 'disagree', 'defer'] as const;
export const SANCTION_HOURS = ['24', '72', '168', '720', 'permanent'] as const;
export const QueueQuery = Type.Object({ after: Type.Optional(Type.String({ maxLength: 40 })) });
export const QueueParams = Type.Object({ itemId: Type.String({ maxLength: 20 }), decision: Type.String({ maxLength: 20 }) });
export const DecisionBody = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: 500 })),
  delete: Type.Optional(Type.Literal('1')),
  sanction: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('silence'), Type.Literal('suspend')])),
  hours: Type.Optional(Type.Union(SANCTION_HOURS.map((h) => Type.Literal(h)))),
});
export const HideBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) });
