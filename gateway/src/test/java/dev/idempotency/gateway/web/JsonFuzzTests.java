package dev.idempotency.gateway.web;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.Fuzz;

import static dev.idempotency.gateway.core.Fuzz.forAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Canonical JSON (body-comparison: canonical-json) and the JSON Pointer key source against
 * generated bodies and pointers: they answer every input, and mean what they say on valid ones.
 */
class JsonFuzzTests {

    // Numbers read exactly, as the canonical form reads them: 0.000 stays 0.000 when reordered.
    private static final JsonMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();

    private static final String ALPHA = Fuzz.chars('a', 'z') + Fuzz.chars('A', 'Z');

    @Test
    void anyBodyGetsACanonicalFormAndTheFormIsStable() {
        forAll(JsonFuzzTests::body, body -> {
            byte[] canonical = CanonicalJson.of(body);
            assertThat(CanonicalJson.of(canonical)).isEqualTo(canonical);
        });
    }

    @Test
    void reorderedPropertiesAndWhitespaceShareTheCanonicalForm() {
        record Case(String json, long seed) {
        }
        forAll(random -> new Case(object(random), random.nextLong()), test -> {
            String shuffled = reordered(MAPPER.readTree(test.json()), new Random(test.seed()));
            assertThat(CanonicalJson.of(shuffled.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(CanonicalJson.of(test.json().getBytes(StandardCharsets.UTF_8)));
        });
    }

    @Test
    void anyPointerIsJudgedAndAnyBodyAnsweredWithoutAnException() {
        record Case(String pointer, byte[] body) {
        }
        forAll(random -> new Case(Fuzz.string(random, "/~01a-", 0, 12), body(random)), test -> {
            if (JsonBodyKeys.isValidPointer(test.pointer())) {
                KeyParseResult result = JsonBodyKeys.parse(test.body(), test.pointer());
                assertThat(result.isValid() || result.problem() != null).isTrue();
            }
        });
    }

    @Test
    void aKeyAtAnEscapedPointerIsFound() {
        record Case(List<String> path, String key) {
        }
        forAll(random -> new Case(Fuzz.list(random, 1, 4, name -> Fuzz.string(name, "ab/~01 ", 0, 5)),
                Fuzz.string(random, Fuzz.chars('!', '~'), 1, IdempotencyKey.MAX_LENGTH)), test -> {
            List<String> path = test.path();
            StringBuilder pointer = new StringBuilder();
            JsonNode value = MAPPER.getNodeFactory().stringNode(test.key());
            for (int i = path.size() - 1; i >= 0; i--) {
                value = MAPPER.getNodeFactory().objectNode().set(path.get(i), value);
            }
            for (String name : path) {
                pointer.append('/').append(name.replace("~", "~0").replace("/", "~1"));
            }
            assertThat(JsonBodyKeys.isValidPointer(pointer.toString())).isTrue();
            KeyParseResult result = JsonBodyKeys.parse(MAPPER.writeValueAsBytes(value), pointer.toString());
            assertThat(result.isValid()).isTrue();
            assertThat(result.key().value()).isEqualTo(test.key());
        });
    }

    private static String reordered(JsonNode node, Random random) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>(node.propertyNames());
            Collections.shuffle(names, random);
            List<String> members = new ArrayList<>();
            for (String name : names) {
                members.add(MAPPER.writeValueAsString(name) + " :\t" + reordered(node.get(name), random));
            }
            return "{ " + String.join(" ,\n", members) + " }";
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(item -> items.add(reordered(item, random)));
            return "[ " + String.join(", ", items) + " ]";
        }
        return MAPPER.writeValueAsString(node);
    }

    /** JSON-ish text, arbitrary bytes, or a JSON object. */
    private static byte[] body(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> Fuzz.string(random, "{}[]\":,0123456789.eE+- \ntrufalsn\\u/~", 0, 80).getBytes(StandardCharsets.UTF_8);
            case 1 -> Fuzz.bytes(random, 0, 80);
            default -> object(random).getBytes(StandardCharsets.UTF_8);
        };
    }

    /** A JSON object of up to 6 members, any names, leaves or objects of leaves as values. */
    private static String object(Random random) {
        return object(random, 6, name -> Fuzz.anyString(name, 6), value -> random.nextBoolean() ? leaf(value)
                : object(value, 4, name -> Fuzz.string(name, ALPHA, 0, 4), JsonFuzzTests::leaf));
    }

    private static String leaf(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> MAPPER.writeValueAsString(Fuzz.anyString(random, 8));
            case 1 -> new BigDecimal(BigInteger.valueOf(Fuzz.anyLong(random)), 3).toString();
            case 2 -> Long.toString(Fuzz.anyLong(random));
            default -> Fuzz.oneOf(random, "true", "false", "null", "1e400", "-0", "0.10");
        };
    }

    private static String object(Random random, int maxSize, Function<Random, String> names, Function<Random, String> values) {
        Map<String, String> members = new LinkedHashMap<>();
        for (int size = Fuzz.size(random, 0, maxSize); size > 0; size--) {
            members.put(names.apply(random), values.apply(random));
        }
        List<String> written = new ArrayList<>();
        members.forEach((name, value) -> written.add(MAPPER.writeValueAsString(name) + ":" + value));
        return "{" + String.join(",", written) + "}";
    }
}
