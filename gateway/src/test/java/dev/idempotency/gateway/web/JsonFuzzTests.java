package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;

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

    @Property
    void anyBodyGetsACanonicalFormAndTheFormIsStable(@ForAll("bodies") byte[] body) {
        byte[] canonical = RequestFingerprints.canonicalJson(body);
        assertThat(RequestFingerprints.canonicalJson(canonical)).isEqualTo(canonical);
    }

    @Property
    void reorderedPropertiesAndWhitespaceShareTheCanonicalForm(@ForAll("objects") String json, @ForAll long seed) {
        String shuffled = reordered(MAPPER.readTree(json), new java.util.Random(seed));
        assertThat(RequestFingerprints.canonicalJson(shuffled.getBytes(StandardCharsets.UTF_8)))
            .isEqualTo(RequestFingerprints.canonicalJson(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Property
    void anyPointerIsJudgedAndAnyBodyAnsweredWithoutAnException(@ForAll("pointers") String pointer,
            @ForAll("bodies") byte[] body) {
        if (JsonBodyKeys.isValidPointer(pointer)) {
            KeyParseResult result = JsonBodyKeys.parse(body, pointer);
            assertThat(result.isValid() || result.problem() != null).isTrue();
        }
    }

    @Property
    void aKeyAtAnEscapedPointerIsFound(@ForAll("names") List<String> path, @ForAll("keys") String key) {
        StringBuilder pointer = new StringBuilder();
        JsonNode value = MAPPER.getNodeFactory().stringNode(key);
        for (int i = path.size() - 1; i >= 0; i--) {
            value = MAPPER.getNodeFactory().objectNode().set(path.get(i), value);
        }
        for (String name : path) {
            pointer.append('/').append(name.replace("~", "~0").replace("/", "~1"));
        }
        assertThat(JsonBodyKeys.isValidPointer(pointer.toString())).isTrue();
        KeyParseResult result = JsonBodyKeys.parse(MAPPER.writeValueAsBytes(value), pointer.toString());
        assertThat(result.isValid()).isTrue();
        assertThat(result.key().value()).isEqualTo(key);
    }

    private static String reordered(JsonNode node, java.util.Random random) {
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

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<String> jsonish = Arbitraries.strings().withChars("{}[]\":,0123456789.eE+- \ntrufalsn\\u/~").ofMaxLength(80);
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(80);
        return Arbitraries.oneOf(jsonish.map(s -> s.getBytes(StandardCharsets.UTF_8)), bytes,
                objects().map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    @Provide
    Arbitrary<String> objects() {
        Arbitrary<String> leaf = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(8).map(MAPPER::writeValueAsString),
                Arbitraries.bigDecimals().ofScale(3).map(Object::toString), Arbitraries.longs().map(Object::toString),
                Arbitraries.of("true", "false", "null", "1e400", "-0", "0.10"));
        Arbitrary<String> inner = Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(4), leaf).ofMaxSize(4)
            .map(JsonFuzzTests::object);
        return Arbitraries.maps(Arbitraries.strings().ofMaxLength(6), Arbitraries.oneOf(leaf, inner)).ofMaxSize(6)
            .map(JsonFuzzTests::object);
    }

    private static String object(java.util.Map<String, String> members) {
        List<String> written = new ArrayList<>();
        members.forEach((name, value) -> written.add(MAPPER.writeValueAsString(name) + ":" + value));
        return "{" + String.join(",", written) + "}";
    }

    @Provide
    Arbitrary<String> pointers() {
        return Arbitraries.strings().withChars("/~01a-").ofMaxLength(12);
    }

    @Provide
    Arbitrary<List<String>> names() {
        return Arbitraries.strings().withChars("ab/~01 ").ofMaxLength(5).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(IdempotencyKey.MAX_LENGTH);
    }
}
