package dev.idempotency.gateway.rules;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;

import static dev.idempotency.gateway.rules.TestRules.route;
import static dev.idempotency.gateway.rules.TestRules.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Bad rules stop startup with Spring Boot's failure report: every problem, then what to do. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTests {

    @TempDir
    Path dir;

    static RulesValidationException startupFailure(List<String> properties) {
        Throwable thrown = catchThrowable(() -> GatewayInstance.start(properties).close());
        Throwable cause = thrown;
        while (cause != null && !(cause instanceof RulesValidationException)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("startup failure caused by bad rules").isInstanceOf(RulesValidationException.class);
        return (RulesValidationException) cause;
    }

    @Test
    void badArgumentsAndUnknownNamesAreAllReportedAndNoServerStarts(CapturedOutput output) {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(
                route("orders", "/orders/**", "http://localhost:9",
                        "- { name: Idempotency, args: { tll: 24h, mode: enforcing, maxResponseBodySize: -1MB } }"),
                route("payments", "/payments/**", "http://localhost:9", "- Idempotancy=true")));

        RulesValidationException failure = startupFailure(List.of("idempotency.rules.location=" + this.dir));

        assertThat(failure.getProblems()).map(RuleProblem::toString).containsExactly(
                rules + ": Route 'orders': Idempotency argument 'tll' is not known (did you mean 'ttl'?); accepted "
                        + "arguments: " + String.join(", ", AcceptedValues.argumentsOf(
                                dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory.Config.class)),
                rules + ": Route 'orders': Idempotency argument 'mode' must be one of enforce, observe (was enforcing)",
                rules + ": Route 'payments': unknown filter 'Idempotancy' in filters[0] (did you mean 'Idempotency'?); "
                        + "known filters: " + failure.getProblems().get(2).message().split("known filters: ")[1]);
        assertThat(output).contains("APPLICATION FAILED TO START", "Description:",
                "The route rules in " + this.dir + " have 3 problems:",
                "  - " + rules + ": Route 'orders': Idempotency argument 'mode' must be one of enforce, observe",
                "Action:", "--validate " + this.dir);
        assertThat(output).doesNotContain("Netty started on port");
    }

    @Test
    void everyOwnCheckOfOneFilterIsReportedAtStartup() {
        Path rules = TestRules.write(this.dir.resolve("orders.yml"), routes(route("orders", "/orders/**",
                "http://localhost:9", "- { name: Idempotency, args: { jsonPointer: bad, lockTimeout: -5s, maxRequestBodySize: -1KB } }")));

        RulesValidationException failure = startupFailure(List.of("idempotency.rules.location=" + this.dir));

        assertThat(failure.getProblems()).map(RuleProblem::toString).containsExactly(
                rules + ": Route 'orders': Idempotency argument 'lockTimeout' must be a positive duration such as 30s (was PT-5S)",
                rules + ": Route 'orders': Idempotency argument 'maxRequestBodySize' must be zero or more, such as 1MB (was -1024B)",
                rules + ": Route 'orders': Idempotency argument 'jsonPointer' must be an RFC 6901 JSON Pointer: empty or "
                        + "'/'-separated tokens, '~' only as ~0 or ~1, such as /client_order_id (was bad)");
    }

    @Test
    void aRouteWithoutUriStopsStartupBeforeAnyBeanIsCreated(CapturedOutput output) {
        TestRules.write(this.dir.resolve("orders.yml"), routes("            - id: orders\n              predicates: [ 'Path=/o' ]\n"));

        RulesValidationException failure = startupFailure(List.of("idempotency.rules.location=" + this.dir));

        assertThat(failure.getProblems()).map(RuleProblem::message)
            .containsExactly("Route 'orders': 'uri' is required, such as http://orders:8080 or lb://orders");
        FailureAnalysis analysis = new RulesFailureAnalyzer().analyze(failure);
        assertThat(analysis.getAction()).contains("java -jar idempotency-gateway-exec.jar --validate " + this.dir);
        assertThat(output).contains("APPLICATION FAILED TO START");
    }

    @Test
    void routesFromOtherPropertySourcesAreCheckedAsStrictly() {
        List<String> properties = new ArrayList<>(Routes.create().route("orders", "http://localhost:9").path("/orders/**")
            .filter("Idempotency", Map.of("lockTimout", "10s")).properties());

        RulesValidationException failure = startupFailure(properties);

        assertThat(failure.getLocation()).isNull();
        assertThat(failure.getProblems()).map(RuleProblem::toString).containsExactly(
                "Route 'orders': Idempotency argument 'lockTimout' is not known (did you mean 'lockTimeout'?); accepted "
                        + "arguments: " + String.join(", ", AcceptedValues.argumentsOf(
                                dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory.Config.class)));
    }
}
