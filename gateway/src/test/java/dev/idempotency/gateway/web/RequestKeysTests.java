package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;
import dev.idempotency.gateway.web.RequestKeys.KeyReading;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading a route's key from its parts: one part is the key as sent, several are joined. */
class RequestKeysTests {

    static RequestKeys keys(String... parts) {
        return new RequestKeys(java.util.Arrays.stream(parts).map(KeyPart::valueOf)
            .map(part -> part.named("Idempotency-Key", "idempotency_key", "/client_order_id")).toList());
    }

    static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request, Map<String, String> pathVariables) {
        MockServerWebExchange exchange = MockServerWebExchange.from(request);
        ServerWebExchangeUtils.putUriTemplateVariables(exchange, pathVariables);
        return exchange;
    }

    static byte[] json(String body) {
        return body.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSinglePartIsTheKeyAsSentSoKeysStoredBeforeStillMatch() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/orders").header("Idempotency-Key", "abc")
            .header("X-Request-Key", "xyz"), Map.of());

        assertThat(keys("header").read(exchange, null).parsed().key().value()).isEqualTo("abc");
        assertThat(keys("header:X-Request-Key").read(exchange, null).parsed().key().value()).isEqualTo("xyz");
        assertThat(keys("json-body").read(exchange, json("{\"client_order_id\":\"c-1\"}")).parsed().key().value())
            .isEqualTo("c-1");
    }

    @Test
    void partsFromEverySourceAreJoinedInTheirOrder() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/accounts/acc-1/orders?order=o:7")
            .header("X-Tenant", "t"), Map.of("accountId", "acc-1"));

        KeyReading reading = keys("path:accountId", "query:order", "header:X-Tenant", "json-body:/id")
            .read(exchange, json("{\"id\":42}"));

        assertThat(reading.parsed().key().value()).isEqualTo("5:acc-13:o:71:t2:42");
        assertThat(keys("path:accountId", "query:order", "header:X-Tenant", "json-body:/id").needsBody()).isTrue();
        assertThat(keys("path:accountId", "header:X-Tenant").needsBody()).isFalse();
    }

    @Test
    void aMissingPartIsNamedAndOnlyAWhollyMissingKeyIsMissing() {
        RequestKeys keys = keys("header:X-Account-Id", "json-body:/client_order_id");
        MockServerWebExchange withHeader = exchange(MockServerHttpRequest.post("/o").header("X-Account-Id", "a"), Map.of());
        MockServerWebExchange without = exchange(MockServerHttpRequest.post("/o"), Map.of());

        KeyReading partly = keys.read(withHeader, json("{}"));
        KeyReading none = keys.read(without, json("{}"));

        assertThat(partly.parsed().problem()).isEqualTo(KeyProblem.PART_MISSING);
        assertThat(partly.source()).isEqualTo("JSON body field /client_order_id");
        assertThat(none.parsed().problem()).isEqualTo(KeyProblem.MISSING);
        assertThat(none.source()).isEqualTo("X-Account-Id header + JSON body field /client_order_id");
    }

    @Test
    void anInvalidPartIsNamedEvenWhenAnotherIsMissing() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/o"), Map.of("accountId", "a b"));

        KeyReading reading = keys("header:X-Account-Id", "path:accountId").read(exchange, null);

        assertThat(reading.parsed().problem()).isEqualTo(KeyProblem.MALFORMED);
        assertThat(reading.source()).isEqualTo("path segment {accountId}");
    }

    @Test
    void aBodyThatIsNotJsonMakesABodyPartInvalid() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/o").header("X-Account-Id", "a"), Map.of());

        assertThat(keys("header:X-Account-Id", "json-body:/id").read(exchange, json("not json")).parsed().problem())
            .isEqualTo(KeyProblem.MALFORMED);
        assertThat(List.of(KeyPart.valueOf("header:X-A").source(), KeyPart.valueOf(" JSON-BODY:/a ").source()))
            .containsExactly(KeySource.HEADER, KeySource.JSON_BODY);
    }

    @Test
    void aQueryParameterIsTheKeyOnlyWhenSentOnce() {
        RequestKeys query = keys("query");

        assertThat(query.read(exchange(MockServerHttpRequest.post("/o?idempotency_key=q-1"), Map.of()), null).parsed().key().value())
            .isEqualTo("q-1");
        assertThat(query.read(exchange(MockServerHttpRequest.post("/o?other=1"), Map.of()), null).parsed().problem())
            .isEqualTo(KeyProblem.MISSING);
        assertThat(query.read(exchange(MockServerHttpRequest.post("/o?idempotency_key"), Map.of()), null).parsed().problem())
            .isEqualTo(KeyProblem.MISSING);
        assertThat(query.read(exchange(MockServerHttpRequest.post("/o?idempotency_key=a&idempotency_key=a"), Map.of()), null)
            .parsed().problem()).isEqualTo(KeyProblem.DUPLICATE);
        assertThat(query.describe()).isEqualTo("idempotency_key query parameter");
    }

    @Test
    void aSingleBodyPartReadsTheBodyAndAnEmptyOrAbsentBodyHasNoKey() {
        RequestKeys body = keys("json-body");
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/o"), Map.of());

        assertThat(body.needsBody()).isTrue();
        assertThat(keys("header").needsBody()).isFalse();
        assertThat(body.read(exchange, json("")).parsed().problem()).isEqualTo(KeyProblem.MISSING);
        assertThat(body.read(exchange, null).parsed().problem()).isEqualTo(KeyProblem.MISSING);
        assertThat(body.read(exchange, json("{\"client_order_id\": null}")).parsed().problem()).isEqualTo(KeyProblem.MISSING);
        assertThat(body.read(exchange, json("{\"client_order_id\": 7}")).parsed().key().value()).isEqualTo("7");
        assertThat(body.read(exchange, json("{\"client_order_id\": true}")).parsed().problem()).isEqualTo(KeyProblem.MALFORMED);
        assertThat(body.read(exchange, json("{\"client_order_id\": {\"a\": 1}}")).parsed().problem())
            .isEqualTo(KeyProblem.MALFORMED);
        assertThat(body.read(exchange, json("[1")).parsed().problem()).isEqualTo(KeyProblem.MALFORMED);
        assertThat(JsonBodyKeys.parse(json("{\"a\": {\"b\": \"k\"}}"), "/a/b").key().value()).isEqualTo("k");
        assertThat(body.read(exchange, json("{}")).source()).isEqualTo("JSON body field /client_order_id");
    }

    @Test
    void theFirstMissingPartIsTheOneNamed() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/o").header("X-C", "c"), Map.of());

        KeyReading reading = keys("header:X-A", "header:X-B", "header:X-C").read(exchange, null);

        assertThat(reading.parsed().problem()).isEqualTo(KeyProblem.PART_MISSING);
        assertThat(reading.source()).isEqualTo("X-A header");
    }

    @Test
    void aRepeatedHeaderPartIsInvalidAndNamed() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.post("/o").header("X-A", "a").header("X-B", "b1", "b2"),
                Map.of());

        KeyReading reading = keys("header:X-A", "header:X-B").read(exchange, null);

        assertThat(reading.parsed().isValid()).isFalse();
        assertThat(reading.parsed().problem()).isNotIn(KeyProblem.MISSING, KeyProblem.PART_MISSING);
        assertThat(reading.source()).isEqualTo("X-B header");
    }
}
