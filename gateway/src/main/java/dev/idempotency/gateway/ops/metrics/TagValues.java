package dev.idempotency.gateway.ops.metrics;

import java.util.Locale;

/**
 * Turns the filter's enums into tag values ({@code IN_FLIGHT_CONFLICT} becomes
 * {@code in_flight_conflict}), so a value added to an enum later is counted without a change here.
 */
public final class TagValues {

    /** The outcome of a request that a route in observe mode forwarded although enforcing would not have. */
    public static final String OBSERVED_ONLY = "observed_only";

    private TagValues() {
    }

    public static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** {@code 2xx} .. {@code 5xx}, or {@code none} when there was no upstream response: bounded, unlike raw codes. */
    public static String statusClass(int status) {
        return status >= 100 && status <= 599 ? (status / 100) + "xx" : "none";
    }
}
