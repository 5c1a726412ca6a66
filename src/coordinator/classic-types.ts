// The classic group API the Kafka wire listener calls lives with the state machine that answers
// it (src/group/classic/api.ts); the coordinator's transports import it from here.
export type * from "../group/classic/api.ts";
