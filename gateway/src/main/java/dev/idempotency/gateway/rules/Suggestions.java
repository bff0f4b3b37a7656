package dev.idempotency.gateway.rules;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean 'ttl'?" for a misspelt name: the closest candidate within a few edits. */
final class Suggestions {

    private Suggestions() {
    }

    static Optional<String> closest(String wrong, Collection<String> candidates) {
        String target = normalize(wrong);
        int allowed = Math.max(2, target.length() / 3);
        return candidates.stream()
            .filter(candidate -> distance(target, normalize(candidate)) <= allowed)
            .min(Comparator.comparingInt(candidate -> distance(target, normalize(candidate))));
    }

    static String didYouMean(String wrong, Collection<String> candidates) {
        return closest(wrong, candidates).map(name -> " (did you mean '" + name + "'?)").orElse("");
    }

    // Relaxed names: lockTimeout, lock-timeout and LOCK_TIMEOUT are one name to Spring.
    private static String normalize(String name) {
        return name.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
