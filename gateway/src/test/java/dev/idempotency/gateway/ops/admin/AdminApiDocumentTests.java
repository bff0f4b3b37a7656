package dev.idempotency.gateway.ops.admin;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.yaml.snakeyaml.Yaml;

import dev.idempotency.gateway.testsupport.FreePorts;
import dev.idempotency.gateway.testsupport.GatewayInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/admin-api.yaml describes the endpoint that is there: the same operations and parameters as
 * {@link IdempotencyAdminEndpoint}, the same fields as {@link InspectedKey}, the same problem types
 * as {@link AdminProblem}, and every documented answer comes back from a running gateway with the
 * documented status, media type and members.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminApiDocumentTests {

    static final String PATH = "/actuator/idempotency";

    static final String TOKEN = "admin-api-document-token";

    Map<String, Object> document;

    GatewayInstance gateway;

    WebTestClient admin;

    @BeforeAll
    void start() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("../docs/admin-api.yaml"))) {
            this.document = new Yaml().load(in);
        }
        this.gateway = GatewayInstance.start(List.of("server.port=" + FreePorts.next(), "spring.profiles.active=demo",
                "management.server.port=0", "idempotency.admin.token=" + TOKEN));
        this.admin = this.gateway.managementClient().mutate().defaultHeader("Authorization", "Bearer " + TOKEN).build();
    }

    @AfterAll
    void stop() {
        this.gateway.close();
    }

    @Test
    void theDocumentHasTheEndpointsOperationsAndParameters() {
        Map<String, Object> path = map(map(this.document, "paths"), PATH);
        assertThat(path.keySet()).containsExactlyInAnyOrder("parameters", "get", "delete");
        assertThat(parameterNames(path, "get")).containsExactlyInAnyOrderElementsOf(javaParameters(ReadOperation.class));
        assertThat(parameterNames(path, "delete")).containsExactlyInAnyOrderElementsOf(javaParameters(DeleteOperation.class));
    }

    @Test
    void theInspectedKeySchemaHasTheRecordsFields() {
        assertThat(map(schema("InspectedKey"), "properties").keySet()).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(InspectedKey.class.getRecordComponents()).map(RecordComponent::getName).toList());
    }

    @Test
    void theProblemTypesAreTheAdminProblems() {
        assertThat(strings(map(map(schema("Problem"), "properties"), "type").get("enum")))
            .containsExactlyInAnyOrderElementsOf(Stream.of(AdminProblem.values()).map(AdminProblem::type).toList());
    }

    @Test
    void everyDocumentedAnswerComesBackAsDocumented() {
        this.gateway.client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", "doc-1").header("X-Client-Id", "shop-1").bodyValue("{}")
            .exchange().expectStatus().isCreated();
        String found = PATH + "?route=orders&client=shop-1&key=doc-1";

        conforms(this.admin.get().uri(found + "&includeBody=true"), "get", 200, "application/json", "InspectedKey");
        conforms(this.admin.get().uri(PATH + "?route=orders&client=shop-1&key=doc-2"), "get", 404, "application/json", "AbsentKey");
        conforms(this.admin.get().uri(PATH + "?route=nope&client=shop-1&key=doc-1"), "get", 404, "application/problem+json", "Problem");
        conforms(this.admin.get().uri(PATH + "?route=orders&client=shop-1&key=a b"), "get", 400, "application/problem+json", "Problem");
        conforms(this.admin.get().uri(found).header("Authorization", "Bearer wrong-token-0123456789"), "get", 401,
                "application/problem+json", "Problem");
        conforms(this.admin.delete().uri(found), "delete", 200, "application/json", "PurgedKey");
        conforms(this.admin.delete().uri(found), "delete", 404, "application/json", "AbsentKey");
        conforms(this.admin.delete().uri(PATH + "?route=nope&client=shop-1&key=doc-1"), "delete", 404,
                "application/problem+json", "Problem");
    }

    private void conforms(WebTestClient.RequestHeadersSpec<?> request, String operation, int status, String mediaType,
            String schemaName) {
        Map<String, Object> responses = map(map(map(map(this.document, "paths"), PATH), operation), "responses");
        Map<String, Object> response = resolve(map(responses, Integer.toString(status)));
        Map<String, Object> documented = resolve(map(map(map(response, "content"), mediaType), "schema"));
        assertThat(documented).as(operation + " " + status + " " + mediaType).isEqualTo(schema(schemaName));

        Map<?, ?> body = request.exchange()
            .expectStatus().isEqualTo(status)
            .expectHeader().contentTypeCompatibleWith(mediaType.equals("application/json")
                    ? MediaType.parseMediaType("application/*+json") : MediaType.parseMediaType(mediaType))
            .expectBody(Map.class).returnResult().getResponseBody();
        Map<String, Object> properties = map(documented, "properties");
        assertThat(properties.keySet()).as(schemaName + " members").containsAll(stringKeys(body));
        assertThat(stringKeys(body)).as(schemaName + " required members").containsAll(strings(documented.get("required")));
        Object allowed = properties.get("type") instanceof Map<?, ?> type ? type.get("enum") : null;
        if (allowed != null) {
            assertThat(strings(allowed)).contains((String) body.get("type"));
        }
    }

    private Map<String, Object> schema(String name) {
        return map(map(map(this.document, "components"), "schemas"), name);
    }

    /** Follows a local {@code $ref}. */
    private Map<String, Object> resolve(Map<String, Object> node) {
        Object ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        Map<String, Object> target = this.document;
        for (String segment : ((String) ref).substring(2).split("/")) {
            target = map(target, segment);
        }
        return target;
    }

    private static List<String> parameterNames(Map<String, Object> path, String operation) {
        List<String> names = new ArrayList<>();
        Stream.of(path.get("parameters"), map(path, operation).get("parameters"))
            .filter(List.class::isInstance)
            .flatMap(list -> ((List<?>) list).stream())
            .forEach(parameter -> names.add((String) ((Map<?, ?>) parameter).get("name")));
        return names;
    }

    private static List<String> javaParameters(Class<? extends java.lang.annotation.Annotation> operation) {
        Method method = Arrays.stream(IdempotencyAdminEndpoint.class.getMethods())
            .filter(candidate -> candidate.isAnnotationPresent(operation))
            .findFirst()
            .orElseThrow();
        return Arrays.stream(method.getParameters()).map(Parameter::getName).toList();
    }

    private static List<String> stringKeys(Map<?, ?> map) {
        return map.keySet().stream().map(String.class::cast).toList();
    }

    private static List<String> strings(Object list) {
        return list == null ? List.of() : ((List<?>) list).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> node, String name) {
        Object child = node.get(name);
        assertThat(child).as(name).isInstanceOf(Map.class);
        return (Map<String, Object>) child;
    }
}
