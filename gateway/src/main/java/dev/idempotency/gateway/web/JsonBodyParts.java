package dev.idempotency.gateway.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import dev.idempotency.gateway.core.RequestFingerprint;

/**
 * The parts of a JSON body that count towards a fingerprint: only some fields
 * ({@code fingerprintJsonPointers}) or all but some ({@code fingerprintIgnoreJsonPointers}), in
 * canonical form with exact numbers. A body that is empty or not JSON counts whole, by its bytes.
 */
final class JsonBodyParts {

    private final List<String> written;

    private final List<JsonPointer> pointers;

    private final boolean only;

    private JsonBodyParts(List<String> pointers, boolean only) {
        this.written = List.copyOf(pointers);
        this.pointers = pointers.stream().map(JsonPointer::compile).toList();
        this.only = only;
    }

    static JsonBodyParts only(List<String> pointers) {
        return new JsonBodyParts(pointers, true);
    }

    static JsonBodyParts allBut(List<String> pointers) {
        return new JsonBodyParts(pointers, false);
    }

    void addTo(RequestFingerprint.Builder fingerprint, byte[] body) {
        JsonNode tree = CanonicalJson.read(body);
        if (tree == null) {
            fingerprint.part("body", body);
        }
        else if (this.only) {
            // Each field under its own name; a missing field differs from a null one.
            for (int i = 0; i < this.pointers.size(); i++) {
                JsonNode field = tree.at(this.pointers.get(i));
                fingerprint.part(field.isMissingNode() ? "body-missing:" + this.written.get(i)
                        : "body:" + this.written.get(i), field.isMissingNode() ? new byte[0]
                                : CanonicalJson.write(field));
            }
        }
        else {
            fingerprint.part("body", CanonicalJson.write(without(tree)));
        }
    }

    /**
     * The tree with the ignored parts removed. Targets are found in the tree as received, then
     * removed: object fields first, then array elements from the highest index down, so that an
     * earlier removal never shifts what a later pointer addresses.
     */
    private JsonNode without(JsonNode tree) {
        List<Runnable> fieldRemovals = new ArrayList<>();
        List<ElementRemoval> elementRemovals = new ArrayList<>();
        for (JsonPointer pointer : this.pointers) {
            JsonNode parent = tree.at(pointer.head());
            JsonPointer last = pointer.last();
            if (parent instanceof ObjectNode object && object.has(last.getMatchingProperty())) {
                fieldRemovals.add(() -> object.remove(last.getMatchingProperty()));
            }
            else if (parent instanceof ArrayNode array && last.getMatchingIndex() >= 0
                    && last.getMatchingIndex() < array.size()) {
                elementRemovals.add(new ElementRemoval(array, last.getMatchingIndex()));
            }
        }
        fieldRemovals.forEach(Runnable::run);
        elementRemovals.stream().distinct().sorted(Comparator.comparingInt(ElementRemoval::index).reversed())
            .forEach(removal -> removal.array().remove(removal.index()));
        return tree;
    }

    private record ElementRemoval(ArrayNode array, int index) {

        // The same element named twice is removed once: identity of the array, not its content.
        @Override
        public boolean equals(Object other) {
            return other instanceof ElementRemoval removal && removal.array == this.array && removal.index == this.index;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this.array) * 31 + this.index;
        }
    }
}
