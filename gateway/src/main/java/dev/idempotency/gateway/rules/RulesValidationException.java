package dev.idempotency.gateway.rules;

import java.util.List;

/**
 * The rules cannot be used: thrown at startup (and turned into a clean report by
 * {@link RulesFailureAnalyzer}), never at reload, where the old rules stay in force instead.
 */
public class RulesValidationException extends RuntimeException {

    private final String location;

    private final List<RuleProblem> problems;

    public RulesValidationException(String location, List<RuleProblem> problems) {
        super(describe(location, problems));
        this.location = location;
        this.problems = List.copyOf(problems);
    }

    public String getLocation() {
        return this.location;
    }

    public List<RuleProblem> getProblems() {
        return this.problems;
    }

    static String describe(String location, List<RuleProblem> problems) {
        StringBuilder text = new StringBuilder("The route rules");
        if (location != null) {
            text.append(" in ").append(location);
        }
        text.append(" have ").append(problems.size()).append(problems.size() == 1 ? " problem:" : " problems:");
        problems.forEach(problem -> text.append("\n  - ").append(problem));
        return text.toString();
    }
}
