package dev.idempotency.gateway.ops;

import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The audit log's lines in captured console output written with {@code logging.structured.format.console=ecs}. */
public final class AuditLines {

    private static final JsonMapper json = JsonMapper.builder().build();

    private AuditLines() {
    }

    /** Every JSON line of the logger idempotency.audit whose {@code route} is {@code routeId}; fails on a line that is not JSON. */
    public static List<JsonNode> of(String output, String routeId) {
        return output.lines()
            .filter(line -> line.contains("idempotency.audit"))
            .map(json::readTree)
            .filter(line -> "idempotency.audit".equals(logger(line)))
            .filter(line -> routeId.equals(line.path("route").asString(null)))
            .toList();
    }

    // ECS nests "log": {"logger": ...}; accept the flat spelling too.
    private static String logger(JsonNode line) {
        JsonNode nested = line.path("log").path("logger");
        return nested.isString() ? nested.asString() : line.path("log.logger").asString(null);
    }
}
