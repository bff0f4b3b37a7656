package dev.idempotency.gateway.build;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build's SBOM (cyclonedx-maven-plugin, bound by Spring Boot's parent): CycloneDX JSON at
 * META-INF/sbom/application.cdx.json, on the classpath of the jar and so in the image, listing the
 * gateway's runtime libraries and none of its test libraries.
 */
class SbomTests {

    @Test
    void theJarCarriesACycloneDxSbomOfItsRuntimeLibraries() throws IOException {
        JsonNode bom;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/sbom/application.cdx.json")) {
            assertThat(in).as("META-INF/sbom/application.cdx.json on the classpath").isNotNull();
            bom = JsonMapper.builder().build().readTree(in);
        }
        assertThat(bom.path("bomFormat").asString()).isEqualTo("CycloneDX");
        assertThat(bom.path("metadata").path("component").path("name").asString()).isEqualTo("idempotency-gateway");
        List<String> components = new ArrayList<>();
        bom.path("components").forEach(component -> components.add(component.path("name").asString()));
        assertThat(components).contains("idempotency-core", "spring-cloud-gateway-server-webflux", "lettuce-core",
                "micrometer-registry-prometheus");
        assertThat(components).doesNotContain("wiremock-standalone", "assertj-core", "junit-jupiter-api");
    }
}
