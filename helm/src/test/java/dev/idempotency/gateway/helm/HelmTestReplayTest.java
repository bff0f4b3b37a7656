package dev.idempotency.gateway.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * `helm test` proves replay: the test pod's own script (taken from the rendered hook) runs with
 * sh and curl against the real gateway started from the rendered Deployment, on the self-test
 * route the chart turns on. Against an endpoint without the Idempotency filter the same script
 * must fail, so it cannot pass on a gateway that executes twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmTestReplayTest {

    @TempDir
    static Path work;

    RenderedGateway gateway;

    Manifest testPod;

    @BeforeAll
    void start() {
        Manifests manifests = HelmChart.renderWithHooks(work.resolve("chart"));
        this.testPod = manifests.one("Pod");
        this.gateway = RenderedGateway.start(manifests, work);
    }

    @AfterAll
    void stop() {
        if (this.gateway != null) {
            this.gateway.close();
        }
    }

    @Test
    void theTestPodsScriptPassesAgainstTheRealGateway() {
        ScriptRun run = runTestPodScript(this.gateway.url("/idempotency-gateway/self-test"));

        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("first POST", "-> 201", "second POST, same key and body -> 201",
                "third POST, same key, another body -> 422", "OK: one execution, a byte-equal replay, 422 for a reused key");
    }

    @Test
    void theScriptFailsWhenTheRetryIsExecutedAgain() {
        // The self-test upstream itself, without the Idempotency filter in front: every POST executes.
        ScriptRun run = runTestPodScript(this.gateway.url("/idempotency-gateway/self-test-upstream"));

        assertThat(run.exitCode()).as(run.output()).isNotZero();
        assertThat(run.output()).contains("FAIL");
    }

    @Test
    void theSelfTestRouteNeverReachesTheConfiguredUpstream() {
        // The default upstream.url (http://orders:8080) does not resolve here: a 201 can only come from
        // the gateway's own echo upstream.
        assertThat(this.gateway.env()).containsEntry("IDEMPOTENCY_SELFTEST_ENABLED", "true");
        assertThat(runTestPodScript(this.gateway.url("/idempotency-gateway/self-test")).exitCode()).isZero();
    }

    /** Runs the pod's command (sh -ec script) with the pod's env, SELF_TEST_URL pointing at url. */
    private ScriptRun runTestPodScript(String url) {
        Manifest container = new Manifest(this.testPod.map("spec.containers[0]"));
        List<Object> command = container.list("command");
        assertThat(command.subList(0, 2)).containsExactly("sh", "-ec");
        ProcessBuilder process = new ProcessBuilder("sh", "-ec", (String) command.get(2)).redirectErrorStream(true);
        Map<String, Object> podEnv = Manifests.env(container.doc());
        podEnv.forEach((name, value) -> process.environment().put(name, String.valueOf(value)));
        process.environment().put("SELF_TEST_URL", url);
        process.environment().put("TMPDIR", work.toString());
        try {
            Process started = process.start();
            if (!started.waitFor(120, TimeUnit.SECONDS)) {
                started.destroyForcibly();
                throw new AssertionError("the test pod's script did not finish within 120 s");
            }
            return new ScriptRun(started.exitValue(), new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private record ScriptRun(int exitCode, String output) {
    }
}
