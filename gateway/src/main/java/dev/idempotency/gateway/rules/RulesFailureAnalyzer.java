package dev.idempotency.gateway.rules;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns bad rules into Spring Boot's "APPLICATION FAILED TO START" report: every problem, then what to do. */
public class RulesFailureAnalyzer extends AbstractFailureAnalyzer<RulesValidationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RulesValidationException cause) {
        String location = cause.getLocation() != null ? cause.getLocation() : "<rules file or directory>";
        String action = "Fix the rules named above; each message names the route, the argument and what it accepts "
                + "(every argument is described in docs/rules.md). Check a rules file or directory without starting "
                + "the gateway:\n\n    java -jar idempotency-gateway-exec.jar --validate " + location;
        return new FailureAnalysis(cause.getMessage(), action, cause);
    }
}
