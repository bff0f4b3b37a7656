package dev.idempotency.gateway.rules;

import java.beans.PropertyDescriptor;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;

/** What a value of a given type may look like, and which arguments a configuration class takes. */
final class AcceptedValues {

    private AcceptedValues() {
    }

    /** "a duration such as 30s, 5m or 24h", "one of enforce, observe", ... */
    static String describe(ResolvableType type) {
        Class<?> raw = type.resolve(Object.class);
        if (raw.isArray() || Collection.class.isAssignableFrom(raw)) {
            ResolvableType element = raw.isArray() ? type.getComponentType() : type.asCollection().getGeneric();
            return "a comma-separated list of " + plural(element);
        }
        if (raw.isEnum()) {
            return "one of " + String.join(", ", enumValues(raw));
        }
        if (raw == Duration.class) {
            return "a duration such as 500ms, 30s, 5m or 24h";
        }
        if (raw == DataSize.class) {
            return "a size such as 512KB or 1MB";
        }
        if (ClassUtils.resolvePrimitiveIfNecessary(raw) == Boolean.class) {
            return "true or false";
        }
        if (isWholeNumber(raw)) {
            return "a whole number";
        }
        if (raw == URI.class) {
            return "a URI such as http://orders:8080";
        }
        return "a valid " + raw.getSimpleName();
    }

    /** Enum constants as rules write them: {@code JSON_BODY} is {@code json-body}. */
    static List<String> enumValues(Class<?> enumType) {
        return Arrays.stream(enumType.getEnumConstants())
            .map(constant -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
            .toList();
    }

    /** The arguments a configuration class takes (its writable properties), in camel case as rules write them. */
    static List<String> argumentsOf(Class<?> type) {
        return Arrays.stream(BeanUtils.getPropertyDescriptors(type))
            .filter(property -> property.getWriteMethod() != null && !property.getName().equals("routeId"))
            .map(PropertyDescriptor::getName)
            .sorted()
            .toList();
    }

    /**
     * The type that owns the last element of {@code name}, walking from {@code root} through
     * properties and list elements ({@code clientLimits[0].capacity} is owned by {@code Limit}).
     */
    static Class<?> ownerOf(Class<?> root, ConfigurationPropertyName name) {
        ResolvableType type = ResolvableType.forClass(root);
        for (int i = 0; i < name.getNumberOfElements() - 1; i++) {
            Class<?> raw = type.resolve(Object.class);
            if (Map.class.isAssignableFrom(raw)) {
                type = type.asMap().getGeneric(1);
                continue;
            }
            String element = name.getElement(i, ConfigurationPropertyName.Form.UNIFORM);
            if (raw.isArray() || Collection.class.isAssignableFrom(raw)) {
                type = raw.isArray() ? type.getComponentType() : type.asCollection().getGeneric();
                if (element.matches("\\d+")) {
                    continue;
                }
                raw = type.resolve(Object.class);
            }
            PropertyDescriptor property = Arrays.stream(BeanUtils.getPropertyDescriptors(raw))
                .filter(candidate -> candidate.getName().toLowerCase(Locale.ROOT).equals(element))
                .findFirst().orElse(null);
            if (property == null || property.getReadMethod() == null) {
                return root;
            }
            type = ResolvableType.forMethodReturnType(property.getReadMethod());
        }
        Class<?> owner = type.resolve(root);
        return owner.isArray() || Collection.class.isAssignableFrom(owner) ? type.asCollection().getGeneric().resolve(root)
                : owner;
    }

    private static String plural(ResolvableType element) {
        Class<?> raw = element.resolve(Object.class);
        if (raw.isEnum()) {
            return String.join(", ", enumValues(raw));
        }
        if (isWholeNumber(raw)) {
            return "whole numbers";
        }
        if (raw == String.class || raw == Object.class) {
            return "values";
        }
        return describe(element).replaceFirst("^an? ", "") + "s";
    }

    private static boolean isWholeNumber(Class<?> raw) {
        Class<?> boxed = ClassUtils.resolvePrimitiveIfNecessary(raw);
        return boxed == Integer.class || boxed == Long.class || boxed == Short.class;
    }

    static String join(Collection<String> names) {
        return names.stream().collect(Collectors.joining(", "));
    }
}
