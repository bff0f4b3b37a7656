package dev.idempotency.gateway.ops.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.http.MediaType;

import dev.idempotency.gateway.problem.ProblemType;

/**
 * The admin API's own RFC 9457 problems. They are an operator's, not a client's, so they are not
 * among the {@link ProblemType}s; they share its type URI base. {@code docs/admin-api.yaml} lists them.
 */
enum AdminProblem {

    UNAUTHORIZED("admin-unauthorized", 401, "Admin token missing or wrong"),
    KEY_INVALID("admin-key-invalid", 400, "Key parameter invalid"),
    ROUTE_UNKNOWN("route-unknown", 404, "Route unknown");

    private final String slug;

    private final int status;

    private final String title;

    AdminProblem(String slug, int status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    String type() {
        return ProblemType.TYPE_BASE + this.slug;
    }

    String title() {
        return this.title;
    }

    WebEndpointResponse<Object> response(String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type());
        body.put("title", this.title);
        body.put("status", this.status);
        body.put("detail", detail);
        return new WebEndpointResponse<>(body, this.status, MediaType.APPLICATION_PROBLEM_JSON);
    }
}
