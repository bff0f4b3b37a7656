package dev.idempotency.gateway.rules;

/**
 * One thing wrong with the rules, worded for the person who wrote them: the file (when known), then
 * the route, the field and what is allowed.
 */
public record RuleProblem(String file, String message) {

    static RuleProblem of(String message) {
        return new RuleProblem(null, message);
    }

    @Override
    public String toString() {
        return this.file == null ? this.message : this.file + ": " + this.message;
    }
}
