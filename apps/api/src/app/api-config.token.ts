/** The ApiConfig the app was started with: `@Inject(API_CONFIG) config: ApiConfig`. */
export const API_CONFIG = Symbol('lcm:api-config');
