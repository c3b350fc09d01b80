// The api's HTTP contract as TypeScript types, generated from its OpenAPI document (see README):
// one copy for every client built on openapi-fetch (lcmctl, the web console).
export type {
  $defs,
  components,
  operations,
  paths,
  webhooks,
} from './generated/lcm-api';
