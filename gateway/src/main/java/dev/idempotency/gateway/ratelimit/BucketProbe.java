package dev.idempotency.gateway.ratelimit;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;

/**
 * What one bucket answered to "take a token": whether it did, what is left, which of its
 * bandwidths binds (has the fewest tokens), and how long until it holds one more token.
 *
 * @param consumed whether the token was taken
 * @param remaining tokens left in the bucket (the binding bandwidth's)
 * @param bindingBandwidth index of the bandwidth with the fewest tokens
 * @param nanosUntilMore when refused, the wait for one token; when taken, the wait until
 *        {@code remaining + 1} tokens are available
 */
record BucketProbe(boolean consumed, long remaining, int bindingBandwidth, long nanosUntilMore) {

    static BucketProbe of(VerboseResult<ConsumptionProbe> result) {
        ConsumptionProbe probe = result.getValue();
        long remaining = Math.max(0, probe.getRemainingTokens());
        long[] perBandwidth = result.getDiagnostics().getAvailableTokensPerEachBandwidth();
        int binding = 0;
        for (int i = 1; i < perBandwidth.length; i++) {
            if (perBandwidth[i] < perBandwidth[binding]) {
                binding = i;
            }
        }
        long wait = probe.isConsumed()
                ? result.getState().calculateDelayNanosAfterWillBePossibleToConsume(remaining + 1,
                        result.getOperationTimeNanos(), false)
                : probe.getNanosToWaitForRefill();
        return new BucketProbe(probe.isConsumed(), remaining, binding, Math.max(0, wait));
    }
}
