package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.notes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** What NOTES.txt tells the installer about rules and `helm test`, per setting. */
class NotesTest {

    @Test
    void saysRuleChangesReachThePodsLiveByDefault() {
        assertThat(notes(null, Map.of())).contains("mounted as a directory")
            .contains("Live reload is on: the gateway checks the rules every 5s")
            .contains("/idempotency-gateway/self-test; your upstream is not called")
            .doesNotContain("not implemented");
        assertThat(notes("existing-configmap", Map.of())).contains("from ConfigMap orders-gateway-rules")
            .contains("Live reload is on");
    }

    @Test
    void saysHowPodsPickUpRulesWithoutLiveReload() {
        assertThat(notes(null, Map.of("routes.liveReload", false)))
            .contains("Live reload is off: a changed rule changes the pods' checksum/rules annotation");
        assertThat(notes("existing-configmap", Map.of("routes.liveReload", false)))
            .contains("restart the pods after changing it").contains("rollout restart deployment/");
    }

    @Test
    void mentionsNoTestWhenTestsAreOff() {
        assertThat(notes(null, Map.of("tests.enabled", false))).doesNotContain("helm test");
    }
}
