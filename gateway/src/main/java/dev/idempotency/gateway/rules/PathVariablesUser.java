package dev.idempotency.gateway.rules;

import java.util.List;

/**
 * A filter configuration that reads variables of its route's {@code Path} pattern (a key part
 * {@code path:accountId}). The rules check names each one the route's {@code Path} predicates do
 * not declare: at runtime it would be missing from every request.
 */
public interface PathVariablesUser {

    List<PathVariable> pathVariables();

    /**
     * @param argument the filter argument that reads it, such as {@code keySource}
     * @param written the entry as the rule wrote it, such as {@code path:accountId}
     * @param name the variable, such as {@code accountId}
     */
    record PathVariable(String argument, String written, String name) {
    }
}
