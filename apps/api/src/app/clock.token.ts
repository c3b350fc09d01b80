/** The api's Clock (@lcm/domain; systemClock in production): `@Inject(CLOCK) clock: Clock`. */
export const CLOCK = Symbol('lcm:clock');
