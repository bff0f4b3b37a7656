package dev.idempotency.gateway.core.store;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.InFlightKeys;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link InFlightKeys} guarantees; one subclass per implementation: core runs it for
 * the memory store, the gateway (from core's test-jar) for Redis.
 */
public abstract class InFlightKeysContract {

    protected static final Duration LONG = Duration.ofMinutes(1);

    protected abstract InFlightKeys inFlightKeys();

    protected static ClientScope newClient() {
        return new ClientScope("orders", "client-" + UUID.randomUUID());
    }

    protected boolean hold(ClientScope client, long token, int max, Duration lease) {
        return inFlightKeys().hold(client, token, max, lease).block();
    }

    protected void free(ClientScope client, long token) {
        inFlightKeys().free(client, token).block();
    }

    @Test
    void aClientHoldsUpToTheLimitAndNoMore() {
        ClientScope client = newClient();
        assertThat(hold(client, 1, 3, LONG)).isTrue();
        assertThat(hold(client, 2, 3, LONG)).isTrue();
        assertThat(hold(client, 3, 3, LONG)).isTrue();
        assertThat(hold(client, 4, 3, LONG)).isFalse();
    }

    @Test
    void aHeldEntryIsRenewedEvenWhenTheClientIsAtItsLimit() {
        ClientScope client = newClient();
        hold(client, 1, 2, LONG);
        hold(client, 2, 2, LONG);
        assertThat(hold(client, 1, 2, LONG)).isTrue();
        assertThat(hold(client, 3, 2, LONG)).isFalse();
    }

    @Test
    void freeingAnEntryMakesRoom() {
        ClientScope client = newClient();
        hold(client, 1, 1, LONG);
        assertThat(hold(client, 2, 1, LONG)).isFalse();
        free(client, 1);
        assertThat(hold(client, 2, 1, LONG)).isTrue();
        free(client, 99);
        assertThat(hold(client, 3, 1, LONG)).isFalse();
    }

    @Test
    void clientsAndRoutesAreCountedApart() {
        ClientScope client = newClient();
        hold(client, 1, 1, LONG);
        assertThat(hold(newClient(), 2, 1, LONG)).isTrue();
        assertThat(hold(new ClientScope("payments", client.clientId()), 3, 1, LONG)).isTrue();
        assertThat(hold(client, 4, 1, LONG)).isFalse();
    }

    @Test
    void anEntryNobodyRenewsExpiresWithItsLease() throws InterruptedException {
        // What a gateway that died leaves behind.
        ClientScope client = newClient();
        hold(client, 1, 1, Duration.ofMillis(300));
        assertThat(hold(client, 2, 1, LONG)).isFalse();
        Thread.sleep(450);
        assertThat(hold(client, 2, 1, LONG)).isTrue();
    }

    @Test
    void renewingExtendsTheLease() throws InterruptedException {
        ClientScope client = newClient();
        hold(client, 1, 1, Duration.ofMillis(400));
        Thread.sleep(250);
        hold(client, 1, 1, Duration.ofMillis(400));
        Thread.sleep(250);
        assertThat(hold(client, 2, 1, LONG)).isFalse();
    }
}
