package dev.idempotency.gateway.ratelimit;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** How a bandwidth gets its tokens back (Bucket4j's two refill kinds). */
enum RefillStyle {

    /** Token by token as time passes: 100 per minute means one every 600 ms. */
    GREEDY,

    /** All refill tokens at once, at the end of each period: a fixed window. */
    INTERVALLY;

    String argument() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<RefillStyle> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String normalized = value.strip().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(style -> style.name().equals(normalized)).findFirst();
    }

    static String allowed() {
        return Arrays.stream(values()).map(RefillStyle::argument).collect(Collectors.joining(", "));
    }
}
