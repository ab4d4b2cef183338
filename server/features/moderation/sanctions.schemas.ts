import { Type } from 'typebox';

/** Ladder steps a form may choose: hours, or `permanent`. */
export const DURATIONS = ['24', '72', '168', '720', 'permanent'] as const;

export const MemberParams = Type.Object({ id: Type.String({ maxLength: 20 }) });
export const SanctionBody = Type.Object({
  kind: Type.Union([Type.Literal('silence'), Type.Literal('suspend')]),
  duration: Type.Union(DURATIONS.map((d) => Type.Literal(d))),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
});
export const LiftBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) });
export const MemberQuery = Type.Object({ done: Type.Optional(Type.Union([Type.Literal('applied'), Type.Literal('lifted'), Type.Literal('trust')])) });

export const MemberTrustBody = Type.Object({ trust_level: Type.String({ pattern: '^[0-4]$' }), locked: Type.Optional(Type.Literal('1')) });
