// A PostgreSQL schema of the cluster run's own on the local test server: every process of the run
// works in it (search_path in the URL) and it is dropped at the end.
import { createPgSchema, type PgSchema } from '@mekong/relay/testing';

/** The cluster run's schema: the relay's test kit, named mk_cluster_<random> so leftovers are recognisable. */
export type ClusterSchema = PgSchema;

/** Creates schema mk_cluster_<random>; its `migrating` holds the shared schema lock while processes start. */
export function createClusterSchema(): Promise<ClusterSchema> {
  return createPgSchema('mk_cluster_');
}
