package dev.idempotency.gateway.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's commands name what the build and the demo really have: the jar, the demo's route,
 * admin token and management port, the example rules' upstream variable and route count.
 * {@link DemoProfileTests} runs the requests themselves.
 */
class ReadmeCommandsTests {

    static final Path README = Path.of("../README.md");

    @Test
    void everyJavaCommandRunsTheJarTheBuildMakes() throws IOException {
        Properties build = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/build-info.properties"))) {
            build.load(in);
        }
        String jar = "gateway/target/" + build.getProperty("build.artifact") + "-" + build.getProperty("build.version")
                + "-exec.jar";
        Matcher commands = Pattern.compile("java -jar (\\S+)").matcher(Files.readString(README));
        int count = 0;
        while (commands.find()) {
            assertThat(commands.group(1)).isEqualTo(jar);
            count++;
        }
        assertThat(count).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theAdminExampleUsesTheDemosRouteTokenAndManagementPort() throws IOException {
        String readme = Files.readString(README);
        Map<String, Object> demo;
        try (InputStream in = getClass().getResourceAsStream("/application-demo.yml")) {
            demo = new Yaml().load(in);
        }
        String token = (String) ((Map<?, ?>) ((Map<?, ?>) demo.get("idempotency")).get("admin")).get("token");
        Object port = ((Map<?, ?>) ((Map<?, ?>) demo.get("management")).get("server")).get("port");
        String routeId = (String) ((Map<?, ?>) routes(demo).get(0)).get("id");
        assertThat(readme).contains("TOKEN=" + token, "localhost:" + port + "/actuator/idempotency?route=" + routeId + "&");
    }

    @Test
    void theRulesSectionNamesTheExamplesUpstreamVariableAndRouteCount() throws IOException {
        String readme = Files.readString(README);
        String orders = Files.readString(Path.of("../config/orders.yml"));
        Matcher upstream = Pattern.compile("\\$\\{(ORDERS_URI):([^}]+)}").matcher(orders);
        assertThat(upstream.find()).isTrue();
        assertThat(readme).contains("`" + upstream.group(1) + "` (default `" + upstream.group(2) + "`)");
        long routes = orders.lines().filter(line -> line.strip().startsWith("- id:")).count();
        assertThat(readme).contains("`OK: " + routes + " routes in my-orders.yml`",
                "`rules reloaded: " + routes + " routes from my-orders.yml`");
    }

    private static List<?> routes(Map<String, Object> yaml) {
        Object node = yaml;
        for (String name : new String[] { "spring", "cloud", "gateway", "server", "webflux", "routes" }) {
            node = ((Map<?, ?>) node).get(name);
        }
        return (List<?>) node;
    }
}
