package dev.idempotency.gateway.web;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Seeded random JSON bodies for the partial-fingerprint property tests: an order with nested
 * objects and arrays, changed either only at given pointers or at a leaf outside them.
 */
final class RandomJsonBodies {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Random random;

    RandomJsonBodies(long seed) {
        this.random = new Random(seed);
    }

    /** An order carrying the fields the tests ignore or select, and random others. */
    ObjectNode order() {
        ObjectNode order = NODES.objectNode();
        order.put("client_order_id", "c-" + this.random.nextInt(1000));
        order.put("amount", new BigDecimal(this.random.nextInt(100_000)).movePointLeft(2));
        order.put("currency", this.random.nextBoolean() ? "EUR" : "USD");
        order.put("sent_at", "2026-12-06T03:" + this.random.nextInt(60) + ":00Z");
        ObjectNode meta = order.putObject("meta");
        meta.put("trace_id", Long.toHexString(this.random.nextLong()));
        meta.put("channel", this.random.nextBoolean() ? "app" : "web");
        ArrayNode items = order.putArray("items");
        for (int i = 0, n = 1 + this.random.nextInt(3); i < n; i++) {
            items.add(value(2));
        }
        for (int i = 0, n = this.random.nextInt(4); i < n; i++) {
            order.set("extra_" + i, value(2));
        }
        return order;
    }

    private JsonNode value(int depth) {
        int kind = this.random.nextInt(depth > 0 ? 7 : 5);
        return switch (kind) {
            case 0 -> NODES.stringNode("s" + this.random.nextInt(100));
            case 1 -> NODES.numberNode(this.random.nextInt(1000));
            case 2 -> NODES.numberNode(new BigDecimal(this.random.nextInt(10_000)).movePointLeft(this.random.nextInt(3)));
            case 3 -> NODES.booleanNode(this.random.nextBoolean());
            case 4 -> NODES.nullNode();
            case 5 -> {
                ObjectNode object = NODES.objectNode();
                for (int i = 0, n = this.random.nextInt(3); i < n; i++) {
                    object.set("f" + i, value(depth - 1));
                }
                yield object;
            }
            default -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = 0, n = this.random.nextInt(3); i < n; i++) {
                    array.add(value(depth - 1));
                }
                yield array;
            }
        };
    }

    /** A copy changed only at {@code pointers}: each present one changed, removed or left, absent ones maybe added. */
    ObjectNode changedOnlyAt(ObjectNode body, List<String> pointers) {
        ObjectNode copy = body.deepCopy();
        for (String written : pointers) {
            JsonPointer pointer = JsonPointer.compile(written);
            JsonNode parent = copy.at(pointer.head());
            String field = pointer.last().getMatchingProperty();
            int index = pointer.last().getMatchingIndex();
            int action = this.random.nextInt(3);
            if (parent instanceof ObjectNode object) {
                if (action == 0) {
                    object.remove(field);
                }
                else if (action == 1) {
                    object.set(field, value(1));
                }
            }
            else if (parent instanceof ArrayNode array && index >= 0 && index < array.size() && action > 0) {
                array.set(index, value(1));
            }
        }
        return copy;
    }

    /**
     * A copy whose value differs at one leaf that is neither at nor under {@code keep}, nor an
     * ancestor of one of them; null when the body has no such leaf.
     */
    ObjectNode changedOutside(ObjectNode body, List<String> keep) {
        List<String> leaves = new ArrayList<>();
        leaves(body, "", leaves);
        leaves.removeIf(leaf -> keep.stream().anyMatch(pointer -> leaf.equals(pointer) || leaf.startsWith(pointer + "/")));
        if (leaves.isEmpty()) {
            return null;
        }
        ObjectNode copy = body.deepCopy();
        JsonPointer pointer = JsonPointer.compile(leaves.get(this.random.nextInt(leaves.size())));
        JsonNode parent = copy.at(pointer.head());
        JsonNode different = different(copy.at(pointer));
        if (parent instanceof ObjectNode object) {
            object.set(pointer.last().getMatchingProperty(), different);
        }
        else {
            ((ArrayNode) parent).set(pointer.last().getMatchingIndex(), different);
        }
        return copy;
    }

    /** A copy changed only at leaves under {@code pointers} (one of them chosen at random). */
    ObjectNode changedAtOneOf(ObjectNode body, List<String> pointers) {
        ObjectNode copy = body.deepCopy();
        JsonPointer pointer = JsonPointer.compile(pointers.get(this.random.nextInt(pointers.size())));
        JsonNode parent = copy.at(pointer.head());
        JsonNode current = copy.at(pointer);
        JsonNode different = current.isMissingNode() ? value(1) : different(current);
        if (parent instanceof ObjectNode object) {
            object.set(pointer.last().getMatchingProperty(), different);
        }
        else if (parent instanceof ArrayNode array && pointer.last().getMatchingIndex() < array.size()) {
            array.set(pointer.last().getMatchingIndex(), different);
        }
        return copy;
    }

    private static void leaves(JsonNode node, String at, List<String> leaves) {
        if (node instanceof ObjectNode object && !object.isEmpty()) {
            object.propertyNames().forEach(name -> leaves(object.get(name), at + "/" + name, leaves));
        }
        else if (node instanceof ArrayNode array && !array.isEmpty()) {
            for (int i = 0; i < array.size(); i++) {
                leaves(array.get(i), at + "/" + i, leaves);
            }
        }
        else {
            leaves.add(at);
        }
    }

    private static JsonNode different(JsonNode node) {
        if (node.isString()) {
            return NODES.stringNode(node.asString() + "x");
        }
        if (node.isNumber()) {
            return NODES.numberNode(node.decimalValue().add(BigDecimal.ONE));
        }
        if (node.isBoolean()) {
            return NODES.booleanNode(!node.asBoolean());
        }
        if (node.isNull()) {
            return NODES.numberNode(0);
        }
        return node.isObject() ? NODES.arrayNode() : NODES.objectNode(); // an empty container becomes the other kind
    }

    /** The body as a client might send it: properties in a random order, sometimes with spaces. */
    String write(JsonNode body) {
        JsonNode shuffled = shuffled(body);
        return this.random.nextBoolean() ? MAPPER.writeValueAsString(shuffled)
                : MAPPER.writer().withDefaultPrettyPrinter().writeValueAsString(shuffled);
    }

    private JsonNode shuffled(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> names = new ArrayList<>(object.propertyNames());
            Collections.shuffle(names, this.random);
            ObjectNode copy = NODES.objectNode();
            names.forEach(name -> copy.set(name, shuffled(object.get(name))));
            return copy;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = NODES.arrayNode();
            array.forEach(element -> copy.add(shuffled(element)));
            return copy;
        }
        return node;
    }
}
