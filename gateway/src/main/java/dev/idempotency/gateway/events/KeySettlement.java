package dev.idempotency.gateway.events;

/** How an executed request's key was settled once the upstream answered (or did not). */
public enum KeySettlement {

    /** The response was stored and will be replayed. */
    STORED,

    /** The upstream answered with a release status (e.g. 429, 503): the key was freed for a retry. */
    RELEASED_BY_STATUS,

    /** The upstream could not be reached, or failed with an ambiguous outcome on a releasing route. */
    RELEASED_UPSTREAM_FAILURE,

    /** The response was too large or streamed: stored as executed but not replayable. */
    NOT_REPLAYABLE,

    /** The upstream may have executed it without an answer: an outcome-unknown problem was stored. */
    OUTCOME_UNKNOWN,

    /** The store refused the result: another request took the key after this one's lease ran out. */
    LEASE_LOST,

    /** The store could not be reached to store or release: the key frees itself when its lease ends. */
    STORE_FAILED
}
