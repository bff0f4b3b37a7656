package dev.idempotency.gateway.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects everything wrong with one route filter's arguments, so that a validation run reports
 * every problem at once instead of the first (docs/rules.md promises the whole list). Each problem
 * is one line naming the route, the filter, the argument, what is allowed and what was written.
 */
public final class ArgumentProblems {

    private final String routeId;

    private final String filter;

    private final List<String> problems = new ArrayList<>();

    public ArgumentProblems(String routeId, String filter) {
        this.routeId = routeId;
        this.filter = filter;
    }

    /** Records "argument '{argument}' {rule} (was {actual})" unless {@code valid}. */
    public void check(boolean valid, String argument, String rule, Object actual) {
        if (!valid) {
            add(argument, rule + " (was " + actual + ")");
        }
    }

    /** Records "argument '{argument}' {problem}". */
    public void add(String argument, String problem) {
        this.problems.add("Route '" + this.routeId + "': " + this.filter + " argument '" + argument + "' " + problem);
    }

    public boolean isEmpty() {
        return this.problems.isEmpty();
    }

    /** Throws one exception carrying every problem recorded, if there is any. */
    public void throwIfAny() {
        if (!this.problems.isEmpty()) {
            throw new InvalidArgumentsException(this.problems);
        }
    }

    /**
     * A filter's arguments failed its own checks. The message joins the problems (as Spring Cloud
     * Gateway shows it when it builds a route); the rules check lists them one per line.
     */
    public static final class InvalidArgumentsException extends IllegalArgumentException {

        private final List<String> problems;

        InvalidArgumentsException(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return this.problems;
        }
    }
}
