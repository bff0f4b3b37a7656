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

    // Computed once per enum type: a tag value is looked up on every request.
    private static final ClassValue<String[]> NAMES = new ClassValue<>() {
        @Override
        protected String[] computeValue(Class<?> type) {
            Object[] constants = type.getEnumConstants();
            String[] names = new String[constants.length];
            for (int i = 0; i < constants.length; i++) {
                names[i] = ((Enum<?>) constants[i]).name().toLowerCase(Locale.ROOT);
            }
            return names;
        }
    };

    private static final String[] STATUS_CLASSES = { "1xx", "2xx", "3xx", "4xx", "5xx" };

    public static String of(Enum<?> value) {
        return NAMES.get(value.getDeclaringClass())[value.ordinal()];
    }

    /** {@code 2xx} .. {@code 5xx}, or {@code none} when there was no upstream response: bounded, unlike raw codes. */
    public static String statusClass(int status) {
        return status >= 100 && status <= 599 ? STATUS_CLASSES[status / 100 - 1] : "none";
    }
}
